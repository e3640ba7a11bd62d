/**
 * The in-process bench worker runs one handler for every stream; this router hands each batch to
 * the measurement that owns the stream. Batches of streams nobody measures are acknowledged.
 */
import type { BatchHandler } from '../src/handler/contract';

export class HandlerRouter {
  private readonly routes = new Map<string, BatchHandler>();

  /** The handler to give the worker. */
  readonly handler: BatchHandler = async (records, context) => {
    const route = this.routes.get(context.streamName);
    return route ? route(records, context) : undefined;
  };

  /** Sends the batches of `streamName` to `handler` until the returned function is called. */
  route(streamName: string, handler: BatchHandler): () => void {
    this.routes.set(streamName, handler);
    return () => {
      if (this.routes.get(streamName) === handler) this.routes.delete(streamName);
    };
  }
}
