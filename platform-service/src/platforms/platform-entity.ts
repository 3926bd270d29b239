/**
 * A platform of the catalogue, as stored. The REST body and the create event are `PlatformView`
 * (`{id, name, publisher, cost}`); gRPC and the update event add the `version`. A deleted platform
 * stays as a tombstone (`deletedAt` set): its id is never given again, and its final version is
 * the one its `platform.deleted` event carried.
 */
import { defineEntity, p } from '@mikro-orm/core';

/** Longest name, publisher and cost, as the contracts allow. */
export const platformTextLength = 200;

export const PlatformSchema = defineEntity({
  name: 'Platform',
  tableName: 'platforms',
  properties: {
    id: p.integer().primary().autoincrement(),
    name: p.string().length(platformTextLength),
    publisher: p.string().length(platformTextLength),
    cost: p.string().length(platformTextLength),
    /** 1 when created, one more on each update and on the delete (the REST ETag, the events' version). */
    version: p.integer().default(1),
    createdAt: p.datetime().onCreate(() => new Date()),
    /** When the platform was deleted; null while it exists. */
    deletedAt: p.datetime().nullable(),
  },
});

export class Platform extends PlatformSchema.class {}
PlatformSchema.setClass(Platform);

/** A platform as REST shows it and `platform.published` carries it. */
export interface PlatformView {
  readonly id: number;
  readonly name: string;
  readonly publisher: string;
  readonly cost: string;
}

/** A platform with its version, as gRPC, the ETag and `platform.updated` give it. */
export interface VersionedPlatform extends PlatformView {
  readonly version: number;
}

/** The public view of a stored platform (no version, no internal columns). */
export function toPlatformView(platform: Pick<Platform, 'id' | 'name' | 'publisher' | 'cost'>): PlatformView {
  return { id: platform.id, name: platform.name, publisher: platform.publisher, cost: platform.cost };
}
