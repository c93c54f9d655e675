/**
 * Interop with the real peers — nanocat (libnanomsg 1.1.5) and nngcat (NNG 1.5.2) — over TCP
 * on 127.0.0.1 for the patterns with a protocol header: REQ/REP and SURVEYOR/RESPONDENT,
 * nanosp in each role, binding and connecting. The request or survey id the peer puts in
 * front of each message must come back on the reply, or the peer drops it and never prints.
 * Every wait is on an event, a received message or a line the peer prints; the cats repeat
 * (-i) to cover the time before their own side is attached, and nanosp surveys again only
 * when a survey's deadline passed unanswered.
 */
import { describe, expect, it } from 'vitest';
import { answerUntil, CATS, joinCat, SIDES, surveyUntilAnswered, TCP } from '../helpers/cat.js';
import { quoted, recvText, whilePeerRuns } from '../helpers/interop.js';
import { describePeer } from '../helpers/peers.js';
import { testSocket } from '../helpers/sockets.js';

const TIMEOUT = 15_000;

for (const cat of CATS) {
  describePeer(cat.command, `interop: ${cat.command} (${cat.library}) REQ/REP and SURVEYOR/RESPONDENT over TCP`, () => {
    for (const side of SIDES) {
      describe(`nanosp ${side}`, () => {
        it(
          `REP answers ${cat.command}'s REQ, which prints the reply`,
          async () => {
            const rep = testSocket('rep');
            const peer = await joinCat(cat, rep, side, 'req', ['-Q', '-D', 'ping', '-i', cat.interval], TCP);
            const asked = await answerUntil(rep, 'pong', whilePeerRuns(peer, peer.line(quoted('pong'))));
            expect(asked.length).toBeGreaterThanOrEqual(1);
            expect(new Set(asked)).toEqual(new Set(['ping']));
            expect(peer.output.every((line) => line === quoted('pong'))).toBe(true);
          },
          TIMEOUT,
        );

        it(
          `REQ: ${cat.command}'s REP prints each request and nanosp receives its replies`,
          async () => {
            const req = testSocket('req');
            const peer = await joinCat(cat, req, side, 'rep', ['-Q', '-D', 'pong'], TCP);
            for (const request of ['ping', 'ping again']) {
              await req.send(request);
              expect(await recvText(req, peer)).toBe('pong');
              await whilePeerRuns(peer, peer.line(quoted(request)));
            }
            expect(peer.output).toEqual([quoted('ping'), quoted('ping again')]);
            expect(req.stats.messagesReceived).toBe(2);
          },
          TIMEOUT,
        );

        it(
          `RESPONDENT answers ${cat.command}'s SURVEYOR, which prints the response`,
          async () => {
            const respondent = testSocket('respondent');
            const peer = await joinCat(cat, respondent, side, 'surveyor', ['-Q', '-D', 'q', '-i', cat.interval], TCP);
            const asked = await answerUntil(respondent, 'yes', whilePeerRuns(peer, peer.line(quoted('yes'))));
            expect(asked.length).toBeGreaterThanOrEqual(1);
            expect(new Set(asked)).toEqual(new Set(['q']));
          },
          TIMEOUT,
        );

        it(
          `SURVEYOR: ${cat.command}'s RESPONDENT prints the survey and nanosp receives its response`,
          async () => {
            const surveyor = testSocket('surveyor', { surveyDeadline: 300 });
            const peer = await joinCat(cat, surveyor, side, 'respondent', ['-Q', '-D', 'yes'], TCP);
            expect(await surveyUntilAnswered(surveyor, 'q', peer)).toBe('yes');
            await whilePeerRuns(peer, peer.line(quoted('q')));
            // the survey is over once its deadline passes: the next receive says so
            await expect(surveyor.recv({ timeout: -1 })).rejects.toMatchObject({ code: 'ETIMEDOUT' });
          },
          TIMEOUT,
        );
      });
    }
  });
}
