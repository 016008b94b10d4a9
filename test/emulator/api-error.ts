/**
 * Zenodo's JSON error bodies.
 *
 * Shape from flask-resources `HTTPJSONException.get_body`: `{"status", "message"[, "errors"]}`, where
 * `errors` items are `{"field", "messages": [...]}` (contract 1.8; REC:H2, REC:H5). The messages below are
 * the exact texts of invenio-records-resources' error handlers (contract 1.8 table) unless noted.
 */

export interface FieldError {
  field: string;
  messages: string[];
}

export class ApiError extends Error {
  readonly status: number;
  readonly errors: FieldError[] | undefined;
  readonly headers: Record<string, string>;
  /** Extra body fields (e.g. `error_id` of a 5xx). */
  readonly extra: Record<string, unknown> = {};

  constructor(status: number, message: string, errors?: FieldError[], headers: Record<string, string> = {}) {
    super(message);
    this.status = status;
    this.errors = errors;
    this.headers = headers;
  }

  body(): Record<string, unknown> {
    const body: Record<string, unknown> = { status: this.status, message: this.message };
    if (this.errors && this.errors.length > 0) body.errors = this.errors;
    return { ...body, ...this.extra };
  }
}

export const MESSAGES = {
  validation: 'A validation error occurred.',
  badJson: 'Unable to decode JSON data in request body.',
  permission: 'Permission denied.',
  pidDoesNotExist: 'The persistent identifier does not exist.',
  pidNotRegistered: 'The persistent identifier is not registered.',
  notFound: 'Not found.',
  /** Werkzeug's NotFound description, used by `abort(404)` and unmatched routes. */
  urlNotFound:
    'The requested URL was not found on the server. If you entered the URL manually please check your spelling and try again.',
  /** Werkzeug's MethodNotAllowed description (contract 1.1: PUT on legacy file routes → 405). */
  methodNotAllowed: 'The method is not allowed for the requested URL.',
  /** Werkzeug's BadRequest description (e.g. a multipart upload without a `file` part). */
  badRequest: 'The browser (or proxy) sent a request that this server could not understand.',
  invalidQuerystring: 'Invalid querystring parameters.',
  tooManyFiles: 'Uploading selected files will result in exceeding the max amount per record.',
  emptyFile: 'Empty files are not accepted.',
  /** invenio-files-rest limiter reasons, raised as FileSizeError (HTTP 400) before the body is read. */
  quotaExceeded: 'Bucket quota exceeded.',
  maxFileSizeExceeded: 'Maximum file size exceeded.',
  missingFiles: 'Missing uploaded files. To disable files for this record please mark it as metadata-only.',
  removeFilesFirst: 'Please remove all files first.',
  /** REC:H6. */
  pendingFiles: 'One or more files have not completed their transfer, please wait.',
  missingField: 'Missing data for required field.',
  missingPublisher: 'Missing publisher field required for DOI registration.',
  /** 413 of Flask's MAX_CONTENT_LENGTH (production body quoted in contract 2). */
  tooLarge: 'The data value transmitted exceeds the capacity limit.',
  /** UNCONFIRMED exact text of Invenio's JSON 500 (contract 1.8 only says a 5xx body may carry error_id). */
  internal: 'Internal server error.',
} as const;

export const permissionDenied = (): ApiError => new ApiError(403, MESSAGES.permission);
export const pidDoesNotExist = (): ApiError => new ApiError(404, MESSAGES.pidDoesNotExist);
export const pidNotRegistered = (): ApiError => new ApiError(404, MESSAGES.pidNotRegistered);
export const notFound = (): ApiError => new ApiError(404, MESSAGES.notFound);
export const urlNotFound = (): ApiError => new ApiError(404, MESSAGES.urlNotFound);
export const validationError = (errors: FieldError[]): ApiError => new ApiError(400, MESSAGES.validation, errors);
export const noSuchFile = (recid: number | string, key: string): ApiError =>
  new ApiError(404, `Record '${recid}' has no file '${key}'.`);
