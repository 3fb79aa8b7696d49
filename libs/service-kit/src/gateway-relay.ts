import type { Request, Response } from 'express';
import { InvalidTokenError, type Access } from '@textback/auth';
import { exchangeWithin, jsonOrUndefined } from '@textback/exchange';
import { UnauthorizedError } from './admin-key.guard';
import { ServiceError } from './errors';
import type { ServiceRuntime } from './runtime';

class AuthUnavailableError extends ServiceError<'auth-unavailable'> {}

/**
 * Passes a page's sign-in, sign-out or token request to the gateway and its answer back: status,
 * body and `Set-Cookie`. The browser's cookie and `X-CSRF-Token` go along (unless `noSession`),
 * and the client's address as `X-Forwarded-For`, so the gateway throttles the person's address,
 * not this service's.
 */
export async function relayToGateway(
  runtime: ServiceRuntime,
  req: Request,
  res: Response,
  path: string,
  o: {
    'content-type'?: string;
    authorization?: string;
    body?: string;
    noSession?: boolean;
    /** A GET (single sign-on's redirects) instead of a POST. */
    method?: 'GET';
    /**
     * A browser navigation rather than a script's call: a refusal sends the browser here with
     * `sso_error=<message>` instead of answering JSON it would show raw.
     */
    errorsTo?: string;
  },
): Promise<void> {
  const tokenUrl = runtime.tokenUrl();
  if (!tokenUrl) throw new AuthUnavailableError('auth-unavailable', 'no gateway configured');
  const headers: Record<string, string> = { 'x-forwarded-for': req.ip ?? '' };
  if (o['content-type']) headers['content-type'] = o['content-type'];
  if (o.authorization) headers['authorization'] = o.authorization;
  const csrf = req.headers['x-csrf-token'];
  if (!o.noSession && req.headers.cookie) headers['cookie'] = req.headers.cookie;
  if (!o.noSession && typeof csrf === 'string') headers['x-csrf-token'] = csrf;
  const userAgent = req.headers['user-agent'];
  if (userAgent) headers['user-agent'] = userAgent;
  // A redirect (to the identity provider, or back to the page) is the browser's to follow, and
  // exchangeWithin never follows one: it is passed on below.
  const answer = await exchangeWithin(
    new URL(path, tokenUrl),
    {
      method: o.method ?? 'POST',
      headers,
      ...(o.body === undefined ? {} : { body: o.body }),
    },
    { timeoutMs: 5_000 },
  ).catch(() => {
    throw new AuthUnavailableError('auth-unavailable', 'the gateway did not answer');
  });
  for (const cookie of answer.headers.getSetCookie()) res.append('set-cookie', cookie);
  res.setHeader('cache-control', 'no-store');
  const location = answer.headers.get('location');
  if (location && answer.status >= 300 && answer.status < 400) {
    res.redirect(answer.status, location);
    return;
  }
  if (o.errorsTo && answer.status >= 400) {
    const said = (jsonOrUndefined(answer) ?? {}) as { message?: unknown };
    const message = typeof said.message === 'string' ? said.message : `refused (${answer.status})`;
    const to = new URL(o.errorsTo, 'http://page.invalid');
    to.searchParams.set('sso_error', message.slice(0, 300));
    res.redirect(303, `${to.pathname}${to.search}`);
    return;
  }
  res.status(answer.status);
  const text = answer.text();
  if (text) res.type('json').send(text);
  else res.end();
}

/**
 * The access a page's session grants now — its cookie and CSRF token traded at the gateway, the
 * token verified here — for routes a browser reaches without an `Authorization` header (a
 * Server-Sent Events stream). A 401 when the session ended or never was.
 */
export async function sessionAccess(
  runtime: ServiceRuntime,
  cookie: string | undefined,
  csrf: string | undefined,
): Promise<{ access: Access; expiresIn: number }> {
  const tokenUrl = runtime.tokenUrl();
  if (!tokenUrl || !runtime.tokens)
    throw new AuthUnavailableError('auth-unavailable', 'no gateway configured');
  if (!cookie || !csrf) throw new UnauthorizedError('unauthorized', 'not signed in');
  const answer = await exchangeWithin(
    new URL('/v1/auth/session/token', tokenUrl),
    { method: 'POST', headers: { cookie, 'x-csrf-token': csrf } },
    { timeoutMs: 5_000 },
  ).catch(() => {
    throw new AuthUnavailableError('auth-unavailable', 'the gateway did not answer');
  });
  const body = (jsonOrUndefined(answer) ?? {}) as {
    access_token?: string;
    expires_in?: number;
    message?: string;
  };
  if (!answer.ok || !body.access_token)
    throw answer.status === 401 || answer.status === 403
      ? new UnauthorizedError('unauthorized', body.message ?? 'session ended')
      : new AuthUnavailableError('auth-unavailable', `the gateway answered ${answer.status}`);
  try {
    return {
      access: await runtime.tokens.verify(body.access_token),
      expiresIn: body.expires_in ?? 60,
    };
  } catch (err) {
    if (err instanceof InvalidTokenError) throw new UnauthorizedError('unauthorized', err.message);
    throw err;
  }
}
