import { describe, expect, it } from 'vitest';
import { appendCapped, readLogStream } from './logStream';

function streamOf(chunks: string[]): ReadableStream<Uint8Array> {
  const enc = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const c of chunks) controller.enqueue(enc.encode(c));
      controller.close();
    },
  });
}

describe('readLogStream', () => {
  it('splits chunks into whole lines, wherever the chunks break', async () => {
    const seen: string[] = [];
    await readLogStream(streamOf(['first li', 'ne\nsecond\nthi', 'rd']), (l) => seen.push(...l), new AbortController().signal);
    expect(seen).toEqual(['first line', 'second', 'third']);
  });

  it('keeps only the newest lines', () => {
    expect(appendCapped(['a', 'b'], ['c', 'd'], 3)).toEqual(['b', 'c', 'd']);
  });
});
