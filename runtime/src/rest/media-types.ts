/** Media types of REST bodies. Header names live in runtime/src/http/headers.ts. */
export const mediaTypes = {
  json: 'application/json',
  problem: 'application/problem+json',
} as const;

/** `application/json; charset=utf-8` for `application/json`: the Content-Type `res.json` gives a plain media type. */
const jsonContentTypes = new Map<string, string>();

/** The Content-Type `res.json` (and `res.send` of a problem's text) gives a media type without parameters. */
export function jsonContentType(mediaType: string): string {
  let contentType = jsonContentTypes.get(mediaType);
  if (contentType === undefined) {
    contentType = `${mediaType.toLowerCase()}; charset=utf-8`;
    jsonContentTypes.set(mediaType, contentType);
  }
  return contentType;
}
