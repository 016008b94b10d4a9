/**
 * Communities and community-submission reviews (invenio-communities, invenio-requests, RDM's review
 * service), as far as an uploader's client meets them:
 *   PUT  /api/records/<id>/draft/review        {"receiver": {"community": <id>}, "type": "community-submission"} → 200, status "created"
 *   POST /api/records/<id>/draft/actions/submit-review                                                   → 202, status "submitted"
 *   POST /api/requests/<request id>/actions/accept   (a curator)                                          → 200, the draft is published
 * A community without review accepts a submission at once (RDM's "direct publish" of communities that
 * allow it). Statuses and the flow are RDM's; exact error messages are UNCONFIRMED.
 */
import { randomUUID } from 'node:crypto';
import { ApiError, notFound, permissionDenied, pidDoesNotExist, validationError } from './api-error.ts';
import { ownDraft } from './native-drafts.ts';
import type { Community, Deposition, ReviewRequest, Store } from './store.ts';
import { isoNow } from './timestamps.ts';

/** The curator of every community (user 3 of the store). */
export const CURATOR_ID = 3;

export function findCommunity(store: Store, idOrSlug: string): Community {
  const community = store.communities.find((c) => c.id === idOrSlug || c.slug === idOrSlug);
  if (!community) throw pidDoesNotExist();
  return community;
}

export function communityJson(urls: { api: string; ui: string }, community: Community): Record<string, unknown> {
  return {
    id: community.id,
    slug: community.slug,
    created: community.created,
    updated: community.created,
    metadata: { title: community.title },
    access: { visibility: 'public', member_policy: 'open', record_submission_policy: 'open', review_policy: community.review ? 'closed' : 'open' },
    links: { self: `${urls.api}/communities/${community.id}`, self_html: `${urls.ui}/communities/${community.slug}`, records: `${urls.api}/communities/${community.id}/records` },
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `PUT …/draft/review`: creates (or replaces, while not submitted) the draft's review request. */
export function setReview(store: Store, userId: number | null, id: string, body: unknown): ReviewRequest {
  const dep = ownDraft(store, userId, id);
  const receiver = isObject(body) && isObject(body.receiver) ? body.receiver.community : undefined;
  if (!isObject(body) || body.type !== 'community-submission' || typeof receiver !== 'string') {
    throw validationError([{ field: 'receiver', messages: ['Missing data for required field.'] }]);
  }
  const community = findCommunity(store, receiver);
  const concept = store.concept(dep);
  if (concept.review && concept.review.status === 'submitted') throw new ApiError(400, 'The review request has already been submitted.');
  const now = isoNow();
  concept.review = {
    id: randomUUID(),
    number: String(store.requests.size + 1),
    status: 'created',
    communityId: community.id,
    recordId: dep.id,
    createdBy: dep.ownerId,
    created: now,
    updated: now,
    revision: 1,
  };
  store.requests.set(concept.review.id, concept.review);
  return concept.review;
}

export function draftReview(store: Store, userId: number | null, id: string): ReviewRequest {
  const dep = ownDraft(store, userId, id);
  const review = store.concept(dep).review;
  if (!review || review.recordId !== dep.id) throw new ApiError(404, `No review exists for draft ${dep.pid}.`);
  return review;
}

/** `DELETE …/draft/review` → 204 while the request is not submitted. */
export function deleteReview(store: Store, userId: number | null, id: string): void {
  const review = draftReview(store, userId, id);
  if (review.status !== 'created') throw new ApiError(400, 'The review request cannot be deleted once submitted.');
  const dep = store.resolve(id);
  store.concept(dep).review = null;
  store.requests.delete(review.id);
}

/**
 * `POST …/draft/actions/submit-review` → 202 with the request: validated as for publish first; a
 * reviewing community keeps it `submitted` (the draft is "in review"), another accepts it at once.
 */
export function submitReview(store: Store, userId: number | null, id: string): ReviewRequest {
  const review = draftReview(store, userId, id);
  if (review.status !== 'created') throw new ApiError(400, 'The review request has already been submitted.');
  const dep = store.resolve(id);
  store.checkPublishable(dep.draft!);
  review.status = 'submitted';
  review.updated = isoNow();
  review.revision++;
  const community = findCommunity(store, review.communityId);
  if (!community.review) accept(store, review);
  return review;
}

function accept(store: Store, review: ReviewRequest): Deposition {
  const dep = store.versions.get(review.recordId);
  if (!dep || !dep.draft) throw notFound();
  review.status = 'accepted';
  review.updated = isoNow();
  review.revision++;
  const concept = store.concept(dep);
  try {
    store.publish(dep.ownerId, dep.pid);
  } catch (error) {
    review.status = 'submitted';
    throw error;
  }
  concept.communities = [...new Set([...(concept.communities ?? []), review.communityId])];
  concept.review = null;
  return dep;
}

/** A submitted request, for its curator. */
function submittedRequest(store: Store, userId: number | null, requestId: string): ReviewRequest {
  const review = store.requests.get(requestId);
  if (!review) throw notFound();
  if (userId !== CURATOR_ID) throw permissionDenied();
  if (review.status !== 'submitted') throw new ApiError(400, `Request is ${review.status}, not submitted.`);
  return review;
}

/** A curator accepts a submitted request: the draft is published into the community. */
export function acceptReview(store: Store, userId: number | null, requestId: string): ReviewRequest {
  const review = submittedRequest(store, userId, requestId);
  accept(store, review);
  return review;
}

/** `POST /api/requests/<id>/actions/decline`: the draft stays a draft, without the request. */
export function declineReview(store: Store, userId: number | null, requestId: string): ReviewRequest {
  const review = submittedRequest(store, userId, requestId);
  review.status = 'declined';
  review.updated = isoNow();
  review.revision++;
  const dep = store.versions.get(review.recordId);
  if (dep) store.concept(dep).review = null;
  return review;
}

export function readRequest(store: Store, userId: number | null, requestId: string): ReviewRequest {
  const review = store.requests.get(requestId);
  if (!review) throw notFound();
  if (userId !== CURATOR_ID && userId !== review.createdBy) throw permissionDenied();
  return review;
}
