/**
 * The things a part has in flight (responses, calls, deliveries, publishes) that a drain or a
 * shutdown must reach: an intrusive list, not a `Set`.
 *
 * A `Set` or `Map` that gains and loses an entry per request makes the young-generation garbage
 * collector promote whole requests to the old generation. Measured on the gateway's proxied GET
 * (`--trace-gc`, 5 s of load): the drain's `Set` of in-flight responses promoted 39–85 MB and cost
 * 270–340 ms of scavenges; with this list, 4.4 MB and 76 ms. In isolation
 * (`bench/prototypes/set-churn-micro.ts`: 3 million adds and deletes, 16 entries live): a `Set`
 * 9.5 s of CPU, 3 s of it in scavenges, and 48 full collections; this list 4.9 s, 0.6 s and 2;
 * no tracking at all 3.3 s, 0.4 s and 2. An entry taken out of the list keeps no link to
 * its neighbours or its item, so a dead entry can never hold a newer one alive.
 */
export interface InFlightEntry<T extends object> {
  readonly item: T | undefined;
}

interface Link<T extends object> extends InFlightEntry<T> {
  item: T | undefined;
  prev: Link<T> | undefined;
  next: Link<T> | undefined;
}

export class InFlight<T extends object> {
  #head: Link<T> | undefined = undefined;
  #size = 0;

  /** How many items are in flight. */
  get size(): number {
    return this.#size;
  }

  /** Adds an item; the entry returned is what `delete` takes. */
  add(item: T): InFlightEntry<T> {
    const link: Link<T> = { item, prev: undefined, next: this.#head };
    if (this.#head !== undefined) this.#head.prev = link;
    this.#head = link;
    this.#size += 1;
    return link;
  }

  /** Takes an entry out (once; later calls do nothing). */
  delete(entry: InFlightEntry<T>): void {
    const link = entry as Link<T>;
    if (link.item === undefined) return;
    if (link.prev !== undefined) link.prev.next = link.next;
    else this.#head = link.next;
    if (link.next !== undefined) link.next.prev = link.prev;
    link.prev = undefined;
    link.next = undefined;
    link.item = undefined;
    this.#size -= 1;
  }

  /** The items in flight now, newest first (a copy: deleting while going through it is safe). */
  items(): T[] {
    const items: T[] = [];
    for (let link = this.#head; link !== undefined; link = link.next) items.push(link.item as T);
    return items;
  }
}
