/** REP at the socket level, against fake pipes. RESPONDENT shares these cases (see the helper). */
import { responderCases } from '../helpers/responder-cases.js';

responderCases('rep');
