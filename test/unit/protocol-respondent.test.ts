/** RESPONDENT at the socket level, against fake pipes: it behaves as REP does (see the helper). */
import { responderCases } from '../helpers/responder-cases.js';

responderCases('respondent');
