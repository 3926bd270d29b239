import { describe, expect, it } from 'vitest';
import { apiRouteTable, originFormOf } from './api-front.ts';

describe('API route table', () => {
  const platforms = { name: 'platform-service', prefixes: ['/api/platforms'] };
  const commands = { name: 'commands-service', prefixes: ['/api/c/platforms'] };
  const routeOf = apiRouteTable([platforms, commands]);

  it('routes-a-target-whose-path-a-prefix-covers-in-whole-segments', () => {
    expect(routeOf('/api/platforms')).toBe(platforms);
    expect(routeOf('/api/platforms/7')).toBe(platforms);
    expect(routeOf('/api/platforms?x=1')).toBe(platforms);
    expect(routeOf('/api/platforms#top')).toBe(platforms);
    expect(routeOf('/api/c/platforms/7/commands')).toBe(commands);
  });

  it('matches-prefixes-in-any-case-as-express-mounts-did', () => {
    expect(routeOf('/API/Platforms/7')).toBe(platforms);
  });

  it('routes-nothing-else-look-alike-prefixes-absolute-form-and-asterisk-targets-included', () => {
    for (const target of ['/api/platformsX', '/api/platforms-old/1', '/api', '/', '/docs/', 'http://example.com/api/platforms', '*', '']) expect(routeOf(target)).toBeUndefined();
  });
});

describe('request target forms', () => {
  it('gives-the-origin-form-of-an-absolute-form-target-and-leaves-every-other-target-as-it-is', () => {
    expect(originFormOf('http://example.com/api/platforms/7?x=1')).toBe('/api/platforms/7?x=1');
    expect(originFormOf('HTTPS://example.com:8443/api/platforms')).toBe('/api/platforms');
    for (const target of ['*', 'example.com:443', 'http://', 'ftp://example.com/api/platforms']) expect(originFormOf(target)).toBe(target);
  });
});
