/** A minimal method + path router; a known path with another method answers 405 like Werkzeug. */
import type { Exchange } from './exchange.ts';

export type Handler = (ex: Exchange, params: string[]) => Promise<void> | void;

interface Route {
  methods: string[];
  pattern: RegExp;
  handler: Handler;
}

export type RouteMatch = { handler: Handler; params: string[] } | { notAllowed: string[] } | null;

export class Router {
  private readonly routes: Route[] = [];

  add(methods: string | string[], pattern: RegExp, handler: Handler): this {
    this.routes.push({ methods: Array.isArray(methods) ? methods : [methods], pattern, handler });
    return this;
  }

  match(method: string, path: string): RouteMatch {
    const allowed: string[] = [];
    for (const route of this.routes) {
      const m = route.pattern.exec(path);
      if (!m) continue;
      // HEAD is served by GET routes (Node sends no body for HEAD).
      if (route.methods.includes(method) || (method === 'HEAD' && route.methods.includes('GET'))) {
        return { handler: route.handler, params: m.slice(1) };
      }
      allowed.push(...route.methods);
    }
    return allowed.length > 0 ? { notAllowed: allowed } : null;
  }
}
