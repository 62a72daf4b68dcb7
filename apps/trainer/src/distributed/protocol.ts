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
 * Reads frames from a socket and hands each to `onFrame`. Payloads are copied once into their own typed arrays
 * (aligned, owned: they can be transferred to a worker thread).
 */
export function readFrames(socket: Socket, onFrame: (frame: Frame) => void, onError: (err: Error) => void): void {
  const chunks: Buffer[] = [];
  let buffered = 0;
  let headerLength: number | null = null;
  type Header = Message & { payloads: Array<{ kind: PayloadKind; length: number }> };
  let pending: { header: Header; bytes: number } | null = null;

  /** Moves the next `into.length` buffered bytes into `into` (the payload's own memory: one copy). */
  const take = (into: Uint8Array): Uint8Array => {
    let filled = 0;
    while (filled < into.length) {
      const head = chunks[0];
      const used = Math.min(head.length, into.length - filled);
      into.set(head.subarray(0, used), filled);
      filled += used;
      if (used === head.length) chunks.shift();
      else chunks[0] = head.subarray(used);
    }
    buffered -= into.length;
    return into;
  };

  const drain = () => {
    for (;;) {
      if (!pending) {
        if (headerLength === null) {
          if (buffered < 4) return;
          headerLength = Buffer.from(take(new Uint8Array(4))).readUInt32BE(0);
          if (headerLength > MAX_HEADER_BYTES)
            throw new Error(`frame header of ${headerLength} bytes: not a trainer stream`);
        }
        if (buffered < headerLength) return;
        const text = Buffer.from(take(new Uint8Array(headerLength))).toString('utf8');
        headerLength = null;
        const header = JSON.parse(text) as Header;
        if (typeof header.type !== 'string' || !Array.isArray(header.payloads))
          throw new Error('malformed frame header');
        const bytes = header.payloads.reduce((s, p) => s + p.length * (p.kind === 'f32' ? 4 : 8), 0);
        pending = { header, bytes };
      }
      if (buffered < pending.bytes) return;
      const payloads = pending.header.payloads.map(({ kind, length }) => {
        const array = kind === 'f32' ? new Float32Array(length) : new Float64Array(length);
        take(new Uint8Array(array.buffer));
        return array;
      });
      const { payloads: _described, ...message } = pending.header;
      pending = null;
      onFrame({ message: message as Message, payloads });
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
