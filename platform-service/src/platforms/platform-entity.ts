/**
 * A platform of the catalogue, as stored. The REST, gRPC and event shapes are all `PlatformView`:
 * `{id, name, publisher, cost}`; `createdAt` stays internal (it stamps the platform.published event).
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
    createdAt: p.datetime().onCreate(() => new Date()),
  },
});

export class Platform extends PlatformSchema.class {}
PlatformSchema.setClass(Platform);

/** A platform as every interface shows it (REST `Platform`, gRPC `platforms.v1.Platform`, event payload). */
export interface PlatformView {
  readonly id: number;
  readonly name: string;
  readonly publisher: string;
  readonly cost: string;
}

/** The public view of a stored platform (no internal columns). */
export function toPlatformView(platform: Pick<Platform, 'id' | 'name' | 'publisher' | 'cost'>): PlatformView {
  return { id: platform.id, name: platform.name, publisher: platform.publisher, cost: platform.cost };
}
