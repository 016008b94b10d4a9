import { HTTPError, NetworkError, TimeoutError } from 'ky';
import { DonodoError } from '../../errors/donodo-error.ts';
import { cleanText } from '../../output/terminal-text.ts';
import { hostFailure } from '../retry-policy.ts';
import { UploadRefused } from '../stream-put.ts';
import type { Endpoint } from './endpoint.ts';

/** Zenodo's (InvenioRDM's) error body: `{status, message, errors?: [{field, messages: [...]}]}` (older bodies used `message` per error). */
export interface ZenodoErrorBody {
  status?: number;
  message?: string;
  errors?: Array<{ field?: string; messages?: string[]; message?: string }>;
}

/** What Zenodo said, per field, in its error body (`errors[].messages`, or the older `message`). */
export function fieldMessages(body: ZenodoErrorBody | undefined): string[] {
  return (body?.errors ?? []).map((e) => cleanText(`${e.field ?? '(record)'}: ${(e.messages ?? (e.message ? [e.message] : [])).join(' ') || 'invalid'}`));
}

/**
 * Turn an HTTP failure into a DonodoError that says what happened and what to do. `action`
 * names what was attempted ("create the deposition", "upload image.tar.gz").
 */
export function translateHttpError(cause: unknown, action: string, endpoint: Endpoint): DonodoError {
  if (cause instanceof DonodoError) return cause;
  if (cause instanceof HTTPError || cause instanceof UploadRefused) {
    const status = cause.response.status;
    const body = (typeof cause.data === 'object' ? cause.data : undefined) as ZenodoErrorBody | undefined;
    const said = cleanText(body?.message ?? (typeof cause.data === 'string' && cause.data.length < 200 && !cause.data.trimStart().startsWith('<') ? cause.data : cause.response.statusText), 200);
    const details = fieldMessages(body);
    if (status === 403) {
      return new DonodoError('ZENODO_FORBIDDEN', `Zenodo (${endpoint.origin}) refused to ${action}: 403 ${said || 'Permission denied.'}`, {
        hint: endpoint.token
          ? `Check ${endpoint.tokenSource}: the token must be valid for ${endpoint.origin} (the sandbox needs its own) with the scopes deposit:write and deposit:actions, and the deposition must be yours.`
          : `Set ${endpoint.tokenSource} to a personal access token of ${endpoint.origin} with the scopes deposit:write and deposit:actions.`,
        cause,
      });
    }
    if (status === 429) {
      return new DonodoError('ZENODO_RATE_LIMITED', `Zenodo kept refusing to ${action} for now: 429 ${said} (rate limit).`, {
        hint: 'Wait a minute and run the same command again; it resumes where it stopped.',
        cause,
      });
    }
    if (status >= 500) {
      return new DonodoError('ZENODO_SERVER_ERROR', `Zenodo failed to ${action}: ${status} ${said}.`, {
        hint: 'This is on Zenodo\'s side; run the same command again later (it resumes), and check https://status.zenodo.org.',
        details,
        cause,
      });
    }
    return new DonodoError('ZENODO_REJECTED', `Zenodo refused to ${action}: ${status} ${said}`, {
      hint: details.length ? 'Correct the fields listed (templates or labels), then push again; the draft is kept.' : 'See the message above; run with --debug for the request.',
      details,
      cause,
    });
  }
  if (cause instanceof TimeoutError || (cause as Error)?.name === 'IdleTimeoutError') {
    return new DonodoError('ZENODO_TIMEOUT', `Zenodo (${endpoint.origin}) did not answer in time while trying to ${action}.`, {
      hint: 'Check the network and run the same command again; it resumes where it stopped.',
      cause,
    });
  }
  const host = hostFailure(cause);
  if (host) {
    const where = host.hostname ?? (host.address ? `${host.address}${host.port ? `:${host.port}` : ''}` : new URL(endpoint.origin).host);
    const what = host.code === 'ECONNREFUSED' ? `nothing accepts connections at ${where}` : `the host "${where}" is not known (DNS)`;
    return new DonodoError('ZENODO_UNREACHABLE', `Could not reach Zenodo at ${endpoint.origin} to ${action}: ${host.code}, ${what}; not retried.`, {
      hint: 'Check the address (--zenodo-url, --sandbox, or the configuration\'s url) and that the service runs there; then run the same command again, it resumes where it stopped.',
      cause,
    });
  }
  if (cause instanceof NetworkError || cause instanceof TypeError || (cause as { code?: string })?.code) {
    const reason = describeNetwork(cause);
    return new DonodoError('ZENODO_UNREACHABLE', `Could not reach Zenodo at ${endpoint.origin} to ${action}: ${reason}.`, {
      hint: 'Check the network connection (and --zenodo-url or --sandbox); run the same command again, it resumes where it stopped.',
      cause,
    });
  }
  return new DonodoError('ZENODO_FAILED', `Talking to Zenodo failed while trying to ${action}: ${(cause as Error)?.message ?? String(cause)}`, {
    hint: 'Run with --debug for details.',
    cause,
  });
}

/** The most telling part of a network failure: the system error code, else the innermost message. */
function describeNetwork(cause: unknown): string {
  let innermost = (cause as Error)?.message ?? 'network error';
  for (let current = cause as { code?: string; message?: string; cause?: unknown } | undefined; current; current = current.cause as typeof current) {
    if (current.code) return `${current.code}${current.message && !current.message.includes(current.code) ? ` (${current.message})` : ''}`;
    if (current.message) innermost = current.message;
  }
  return innermost;
}
