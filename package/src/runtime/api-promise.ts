/**
 * What every method returns: a promise of the answer's body that can also give the raw answer
 * (`.withResponse()`, for headers such as `X-Microtokens-Used`), and, for a paginated list, an
 * async iterator over every item of every page.
 *
 * @module saasignal/runtime/api-promise
 */

/** The body and the raw answer (status, headers). */
export interface WithResponse<T> {
  data: T;
  response: Response;
}

// `any` for the reason, as in lib.es5.d.ts, so that `.catch((e) => e)` reads as it does on any promise.
/** A promise of `T` whose request starts at once; `.withResponse()` gives the raw answer too. */
export class APIPromise<T> extends Promise<T> {
  readonly #answer: Promise<WithResponse<T>>;

  constructor(answer: Promise<WithResponse<T>>) {
    super((resolve) => resolve(undefined as T));
    this.#answer = answer;
  }

  // Derived promises (then/catch/finally) are plain promises.
  static override get [Symbol.species]() {
    return Promise;
  }

  /** The body and the raw `Response` (its body already read). */
  withResponse(): Promise<WithResponse<T>> {
    return this.#answer;
  }

  override then<A = T, B = never>(
    onfulfilled?: ((value: T) => A | PromiseLike<A>) | null,
    onrejected?: ((reason: any) => B | PromiseLike<B>) | null,
  ): Promise<A | B> {
    return this.#answer.then((r) => r.data).then(onfulfilled, onrejected);
  }

  override catch<B = never>(onrejected?: ((reason: any) => B | PromiseLike<B>) | null): Promise<T | B> {
    return this.then(undefined, onrejected);
  }

  override finally(onfinally?: (() => void) | null): Promise<T> {
    return this.then().finally(onfinally);
  }
}

/**
 * A paginated list: awaiting it gives the first page (`page.keys`, `page.next_cursor`), and
 * `for await (const item of it)` walks every item of every page, fetching each page in turn.
 */
export class PagePromise<Page, Item> extends APIPromise<Page> implements AsyncIterable<Item> {
  readonly #next: (cursor: string) => PagePromise<Page, Item>;
  readonly #fields: { next: string; items: string };

  constructor(answer: Promise<WithResponse<Page>>, fields: { next: string; items: string }, next: (cursor: string) => PagePromise<Page, Item>) {
    super(answer);
    this.#fields = fields;
    this.#next = next;
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Item> {
    const seen = new Set<string>();
    let page = (await this) as Record<string, unknown>;
    for (;;) {
      yield* (page[this.#fields.items] as Item[]) ?? [];
      const cursor = page[this.#fields.next];
      if (typeof cursor !== 'string' || cursor === '') return;
      // A cursor seen before would loop for ever: stop with an error instead.
      if (seen.has(cursor)) throw new Error(`pagination: the cursor ${cursor} came back twice`);
      seen.add(cursor);
      page = (await this.#next(cursor)) as Record<string, unknown>;
    }
  }
}
