/**
 * The CLI's chunked line writer (`src/cli/lines.ts`): lines come out whole, in order, once; a chunk is written when
 * enough is pending, the rest by `flush` or, for a slow producer, by its timer.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { LineWriter, say, sayLine } from '../src/cli/lines.ts';

describe('LineWriter', () => {
  it('writes lines in order, in chunks once enough is pending, the rest on flush', () => {
    const writes: string[] = [];
    const out = new LineWriter((t) => writes.push(t), 12, 60_000);
    out.line('abc');
    out.line('defgh');
    assert.deepEqual(writes, []);
    out.line('ij');
    assert.deepEqual(writes, ['abc\ndefgh\nij\n']);
    out.line('k');
    out.flush();
    out.flush();
    assert.deepEqual(writes, ['abc\ndefgh\nij\n', 'k\n']);
  });

  it('writes what waits once its time is up, without a flush', async () => {
    const writes: string[] = [];
    const out = new LineWriter((t) => writes.push(t), 65536, 20);
    out.line('one hit');
    assert.deepEqual(writes, []);
    await sleep(80);
    assert.deepEqual(writes, ['one hit\n']);
    out.flush();
    assert.deepEqual(writes, ['one hit\n']);
  });
});

describe('say and sayLine (every command prints through them)', () => {
  const printed = (f: () => void): string[] => {
    const out: string[] = [];
    const log = console.log;
    console.log = (...a: unknown[]) => void out.push(a.join(' '));
    try {
      f();
    } finally {
      console.log = log;
    }
    return out;
  };
  it('say keeps its own line breaks and escapes what a terminal acts on; sayLine keeps one line whatever it holds', () => {
    assert.deepEqual(printed(() => say('usage: a\n  b \u001b[2J\u009b\u202e\tc\r\nd')), ['usage: a\n  b \\u001b[2J\\u009b\\u202e\tc\nd']);
    // a list name or a rule id with a line break cannot forge a line of its own
    assert.deepEqual(printed(() => sayLine('ok   sigma/x\nok   forged\u001b[1A')), ['ok   sigma/x\\u000aok   forged\\u001b[1A']);
    assert.deepEqual(printed(() => say()), ['']);
  });
});
