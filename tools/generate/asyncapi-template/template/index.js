import { File } from '@asyncapi/generator-react-sdk';
import { buildModel } from '../lib/model.js';
import { renderContract } from '../lib/render-contract.js';
import { renderModule } from '../lib/render.js';

/**
 * Two files: contract.ts, the document's messages free of the platform's runtime (see
 * lib/render-contract.js), and index.ts, the same bound to the runtime (see lib/render.js).
 * `params.source` is the contract's path relative to the repository root, for the headers.
 */
export default function ({ asyncapi, params }) {
  const model = buildModel(asyncapi);
  return [
    <File name="contract.ts">{renderContract(model, { source: params.source })}</File>,
    <File name="index.ts">{renderModule(model, { source: params.source })}</File>,
  ];
}
