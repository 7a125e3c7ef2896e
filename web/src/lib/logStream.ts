// Reads a followed log (a chunked text/plain body) line by line, keeping the last `maxLines`.
export async function readLogStream(
  body: ReadableStream<Uint8Array>,
  onLines: (lines: string[]) => void,
  signal: AbortSignal,
): Promise<void> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let pending = '';
  const onAbort = () => void reader.cancel().catch(() => undefined);
  signal.addEventListener('abort', onAbort);
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      pending += decoder.decode(value, { stream: true });
      const parts = pending.split('\n');
      pending = parts.pop() ?? '';
      if (parts.length > 0) onLines(parts);
    }
    pending += decoder.decode();
    if (pending) onLines([pending]);
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

export function appendCapped(existing: string[], added: string[], maxLines: number): string[] {
  const next = existing.concat(added);
  return next.length > maxLines ? next.slice(next.length - maxLines) : next;
}
