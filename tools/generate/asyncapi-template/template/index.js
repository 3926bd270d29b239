import { File } from '@asyncapi/generator-react-sdk';
import { buildModel } from '../lib/model.js';
import { renderModule } from '../lib/render.js';

/**
 * One file, index.ts: the whole typed module of the AsyncAPI document (see lib/render.js).
 * `params.source` is the contract's path relative to the repository root, for the header.
 */
export default function ({ asyncapi, params }) {
  const source = renderModule(buildModel(asyncapi), { source: params.source });
  return <File name="index.ts">{source}</File>;
}
