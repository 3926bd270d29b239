/**
 * Lists what changed between two protobuf images (`buf build` output, a FileDescriptorSet on the
 * wire): files, messages and their fields (by number), enums and their values (by number),
 * services and their methods. It names every change; `buf breaking` decides which ones break.
 */
import { fromBinary } from '@bufbuild/protobuf';
import {
  FieldDescriptorProto_Label,
  FieldDescriptorProto_Type,
  FileDescriptorSetSchema,
  type DescriptorProto,
  type EnumDescriptorProto,
  type FieldDescriptorProto,
  type FileDescriptorSet,
  type MethodDescriptorProto,
} from '@bufbuild/protobuf/wkt';

export interface DescriptorChange {
  readonly kind: 'added' | 'removed' | 'changed';
  /** `field platforms.v1.Platform.cost = 4`, `rpc platforms.v1.PlatformService.GetAllPlatforms`, ... */
  readonly subject: string;
  /** For `changed`: what changed (`type string → int32`). */
  readonly detail?: string;
  readonly element: 'file' | 'message' | 'field' | 'enum' | 'enum value' | 'service' | 'rpc';
}

interface Model {
  readonly files: Map<string, string>;
  readonly messages: Map<string, DescriptorProto>;
  readonly enums: Map<string, EnumDescriptorProto>;
  readonly services: Map<string, Map<string, MethodDescriptorProto>>;
}

export function readImage(bytes: Uint8Array): FileDescriptorSet {
  // A buf image is wire-compatible with FileDescriptorSet; buf's own extra fields are skipped.
  return fromBinary(FileDescriptorSetSchema, bytes);
}

export function diffImages(before: FileDescriptorSet, after: FileDescriptorSet): DescriptorChange[] {
  const a = model(before);
  const b = model(after);
  const changes: DescriptorChange[] = [];
  const push = (change: DescriptorChange): void => {
    changes.push(change);
  };

  diffKeys(a.files, b.files, (name, kind) => push({ kind, element: 'file', subject: `file ${name}` }));
  diffKeys(a.messages, b.messages, (name, kind) => push({ kind, element: 'message', subject: `message ${name}` }));
  for (const [name, message] of a.messages) {
    const next = b.messages.get(name);
    if (next) diffFields(name, message, next, push);
  }
  diffKeys(a.enums, b.enums, (name, kind) => push({ kind, element: 'enum', subject: `enum ${name}` }));
  for (const [name, enumType] of a.enums) {
    const next = b.enums.get(name);
    if (!next) continue;
    const oldValues = new Map(enumType.value.map((value) => [value.number, value.name]));
    const newValues = new Map(next.value.map((value) => [value.number, value.name]));
    diffKeys(oldValues, newValues, (number, kind) => push({ kind, element: 'enum value', subject: `enum value ${name}.${(kind === 'added' ? newValues : oldValues).get(number)} = ${number}` }));
    for (const [number, valueName] of oldValues) {
      const renamed = newValues.get(number);
      if (renamed !== undefined && renamed !== valueName) push({ kind: 'changed', element: 'enum value', subject: `enum value ${name} = ${number}`, detail: `name ${valueName} → ${renamed}` });
    }
  }
  diffKeys(a.services, b.services, (name, kind) => push({ kind, element: 'service', subject: `service ${name}` }));
  for (const [name, methods] of a.services) {
    const next = b.services.get(name);
    if (!next) continue;
    diffKeys(methods, next, (method, kind) => push({ kind, element: 'rpc', subject: `rpc ${name}.${method}` }));
    for (const [methodName, method] of methods) {
      const current = next.get(methodName);
      if (!current) continue;
      const subject = `rpc ${name}.${methodName}`;
      if (signature(method) !== signature(current)) push({ kind: 'changed', element: 'rpc', subject, detail: `${signature(method)} → ${signature(current)}` });
    }
  }
  return changes;
}

function diffFields(messageName: string, before: DescriptorProto, after: DescriptorProto, push: (change: DescriptorChange) => void): void {
  const oldFields = new Map(before.field.map((field) => [field.number, field]));
  const newFields = new Map(after.field.map((field) => [field.number, field]));
  diffKeys(oldFields, newFields, (number, kind) => {
    const field = (kind === 'added' ? newFields : oldFields).get(number);
    if (field) push({ kind, element: 'field', subject: `field ${messageName}.${field.name} = ${number} (${fieldType(field)})` });
  });
  for (const [number, field] of oldFields) {
    const next = newFields.get(number);
    if (!next) continue;
    const subject = `field ${messageName}.${next.name} = ${number}`;
    const details: string[] = [];
    if (field.name !== next.name) details.push(`name ${field.name} → ${next.name}`);
    if (fieldType(field) !== fieldType(next)) details.push(`type ${fieldType(field)} → ${fieldType(next)}`);
    if (field.jsonName !== next.jsonName) details.push(`JSON name ${field.jsonName} → ${next.jsonName}`);
    if (oneof(before, field) !== oneof(after, next)) details.push(`oneof ${oneof(before, field)} → ${oneof(after, next)}`);
    for (const detail of details) push({ kind: 'changed', element: 'field', subject, detail });
  }
}

/** The oneof a field belongs to; proto3 `optional` fields sit in a synthetic oneof that is not one. */
function oneof(message: DescriptorProto, field: FieldDescriptorProto): string {
  return field.proto3Optional || field.oneofIndex === undefined ? 'none' : (message.oneofDecl[field.oneofIndex]?.name ?? 'none');
}

function diffKeys<K, V>(before: ReadonlyMap<K, V>, after: ReadonlyMap<K, V>, report: (key: K, kind: 'added' | 'removed') => void): void {
  for (const key of before.keys()) if (!after.has(key)) report(key, 'removed');
  for (const key of after.keys()) if (!before.has(key)) report(key, 'added');
}

function model(set: FileDescriptorSet): Model {
  const result: Model = { files: new Map(), messages: new Map(), enums: new Map(), services: new Map() };
  for (const file of set.file) {
    result.files.set(file.name, file.package);
    const prefix = file.package ? `${file.package}.` : '';
    const addEnums = (scope: string, enums: readonly EnumDescriptorProto[]): void => {
      for (const enumType of enums) result.enums.set(`${scope}${enumType.name}`, enumType);
    };
    const addMessages = (scope: string, messages: readonly DescriptorProto[]): void => {
      for (const message of messages) {
        const name = `${scope}${message.name}`;
        result.messages.set(name, message);
        addMessages(`${name}.`, message.nestedType);
        addEnums(`${name}.`, message.enumType);
      }
    };
    addMessages(prefix, file.messageType);
    addEnums(prefix, file.enumType);
    for (const service of file.service) result.services.set(`${prefix}${service.name}`, new Map(service.method.map((method) => [method.name, method])));
  }
  return result;
}

function fieldType(field: FieldDescriptorProto): string {
  const base = field.typeName ? field.typeName.replace(/^\./, '') : (FieldDescriptorProto_Type[field.type] ?? String(field.type)).replace(/^TYPE_/, '').toLowerCase();
  if (field.label === FieldDescriptorProto_Label.REPEATED) return `repeated ${base}`;
  if (field.proto3Optional || field.label === FieldDescriptorProto_Label.REQUIRED) return `${field.proto3Optional ? 'optional' : 'required'} ${base}`;
  return base;
}

function signature(method: MethodDescriptorProto): string {
  return `(${streamType(method.inputType, method.clientStreaming)}) returns (${streamType(method.outputType, method.serverStreaming)})`;
}

function streamType(name: string | undefined, streaming: boolean | undefined): string {
  return `${streaming ? 'stream ' : ''}${(name ?? '').replace(/^\./, '')}`;
}
