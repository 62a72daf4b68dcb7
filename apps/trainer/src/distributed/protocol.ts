import type { Socket } from 'node:net';

/*
 * The control channel between `trainer run --workers` (the coordinator) and each `trainer worker`: one TCP
 * connection per worker, carrying framed messages. A frame is a 4-byte big-endian length, a JSON header, then the
 * header's binary payloads back to back (typed arrays: the row partitions, per-iteration predictions). The
 * training traffic itself (histograms) goes over LightGBM's own sockets, not this channel.
 */

export type Payload = Float32Array | Float64Array;
type PayloadKind = 'f32' | 'f64';

export interface Message {
  type: string;
  [field: string]: unknown;
}

export interface Frame {
  message: Message;
  payloads: Payload[];
}

/** Frames larger than this are refused: a corrupt or foreign stream, not a partition. */
const MAX_HEADER_BYTES = 16 << 20;

/** Writes one frame; resolves once the socket has taken it (back-pressure for the large partitions). */
export function sendFrame(socket: Socket, message: Message, payloads: Payload[] = []): Promise<void> {
  const header = Buffer.from(
    JSON.stringify({
      ...message,
      payloads: payloads.map((p) => ({ kind: p instanceof Float32Array ? 'f32' : 'f64', length: p.length })),
    }),
  );
  const prefix = Buffer.alloc(4);
  prefix.writeUInt32BE(header.length);
  const chunks = [prefix, header, ...payloads.map((p) => Buffer.from(p.buffer, p.byteOffset, p.byteLength))];
  return new Promise((resolve, reject) => {
    if (socket.destroyed) return reject(new Error('connection closed'));
    chunks.forEach((c, i) => {
      const last = i === chunks.length - 1;
      socket.write(c, last ? (err) => (err ? reject(err) : resolve()) : undefined);
    });
  });
}

/**
 * Reads frames from a socket and hands each to `onFrame`. Payload bytes are copied into their own typed arrays as
 * they arrive (aligned, owned: transferable to a worker thread), so a partition is never held twice.
 */
export function readFrames(socket: Socket, onFrame: (frame: Frame) => void, onError: (err: Error) => void): void {
  const chunks: Buffer[] = [];
  let buffered = 0;
  let headerLength: number | null = null;
  type Header = Message & { payloads: Array<{ kind: PayloadKind; length: number }> };
  /** The frame being read: its header, its payload arrays, and how far they are filled. */
  let pending: { header: Header; payloads: Payload[]; index: number; filled: number } | null = null;

  /** Moves up to `into.length - from` buffered bytes into `into` at `from`; returns how many. */
  const take = (into: Uint8Array, from = 0): number => {
    let filled = from;
    while (filled < into.length && chunks.length > 0) {
      const head = chunks[0];
      const used = Math.min(head.length, into.length - filled);
      into.set(head.subarray(0, used), filled);
      filled += used;
      if (used === head.length) chunks.shift();
      else chunks[0] = head.subarray(used);
    }
    buffered -= filled - from;
    return filled - from;
  };
  const takeExactly = (n: number): Buffer => {
    const out = Buffer.alloc(n);
    take(out);
    return out;
  };

  const drain = () => {
    for (;;) {
      if (!pending) {
        if (headerLength === null) {
          if (buffered < 4) return;
          headerLength = takeExactly(4).readUInt32BE(0);
          if (headerLength > MAX_HEADER_BYTES)
            throw new Error(`frame header of ${headerLength} bytes: not a trainer stream`);
        }
        if (buffered < headerLength) return;
        const header = JSON.parse(takeExactly(headerLength).toString('utf8')) as Header;
        headerLength = null;
        if (typeof header.type !== 'string' || !Array.isArray(header.payloads))
          throw new Error('malformed frame header');
        const payloads = header.payloads.map(({ kind, length }) =>
          kind === 'f32' ? new Float32Array(length) : new Float64Array(length),
        );
        pending = { header, payloads, index: 0, filled: 0 };
      }
      while (pending.index < pending.payloads.length) {
        const bytes = new Uint8Array(pending.payloads[pending.index].buffer);
        pending.filled += take(bytes, pending.filled);
        if (pending.filled < bytes.length) return; // the rest has not arrived yet
        pending.index++;
        pending.filled = 0;
      }
      const { payloads: _described, ...message } = pending.header;
      const frame = { message: message as Message, payloads: pending.payloads };
      pending = null;
      onFrame(frame);
    }
  };

  socket.on('data', (chunk: Buffer) => {
    chunks.push(chunk);
    buffered += chunk.length;
    try {
      drain();
    } catch (err) {
      onError(err as Error);
      socket.destroy();
    }
  });
}
