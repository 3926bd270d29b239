import { File } from '@asyncapi/generator-react-sdk';
import { buildModel } from '../lib/model.js';
import { renderAmqp } from '../lib/render-amqp.js';
import { renderContract } from '../lib/render-contract.js';
import { renderModule } from '../lib/render.js';

/**
 * Three files: contract.ts, the document's messages free of the platform's runtime (see
 * lib/render-contract.js); amqp.ts, the same over plain amqplib, still runtime-free (see
 * lib/render-amqp.js); and index.ts, the same bound to the runtime (see lib/render.js).
 * `params.source` is the contract's path relative to the repository root, for the headers.
 */
export default function ({ asyncapi, params }) {
  const model = buildModel(asyncapi);
  return [
    <File name="contract.ts">{renderContract(model, { source: params.source })}</File>,
    <File name="amqp.ts">{renderAmqp(model, { source: params.source })}</File>,
    <File name="index.ts">{renderModule(model, { source: params.source })}</File>,
  ];
}
