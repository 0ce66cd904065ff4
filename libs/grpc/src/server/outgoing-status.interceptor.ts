import { ServerInterceptingCall, type FullResponder, type ServerInterceptor } from '@grpc/grpc-js';
import { GrpcError, Status } from '../errors/grpc-error.js';

/**
 * Every status the server sends passes here, whoever made it (a handler or grpc-js itself):
 *
 * - Its message is made well-formed UTF-16. grpc-js percent-encodes the message with `encodeURI`,
 *   which throws on a lone surrogate (a parser error quoting half of an emoji is enough): the status
 *   is then never sent and the call hangs, or, on a stream that already sent responses, the throw
 *   escapes from an event listener and ends the process.
 * - A unary or server-streaming call whose request stream held no message, or more than one, is
 *   answered INVALID_ARGUMENT (reason `MALFORMED_REQUEST`). grpc-js says UNIMPLEMENTED, which tells
 *   a client the method does not exist, with a message naming the wrong kind of method.
 */
export const outgoingStatusInterceptor: ServerInterceptor = (method, call) =>
  new ServerInterceptingCall(call, {
    sendStatus: (status, next) => next(wellFormed(framingStatus(method.path, status))),
  });

type PartialStatusObject = Parameters<FullResponder['sendStatus']>[0];

/** A high surrogate not followed by a low one, or a low one not preceded by a high one. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

function wellFormed(status: PartialStatusObject): PartialStatusObject {
  LONE_SURROGATE.lastIndex = 0;
  if (!LONE_SURROGATE.test(status.details)) return status;
  return { ...status, details: status.details.replace(LONE_SURROGATE, '\uFFFD') };
}

function framingStatus(path: string, status: PartialStatusObject): PartialStatusObject {
  if (status.code !== Status.UNIMPLEMENTED) return status;
  const problem = /^Received (no request message|a second request message) for /.exec(status.details)?.[1];
  if (!problem) return status;
  const count = problem === 'no request message' ? 'no message' : 'more than one message';
  return new GrpcError(
    Status.INVALID_ARGUMENT,
    `${path}: the request stream held ${count}; this method takes exactly one request message`,
    { reason: 'MALFORMED_REQUEST' },
  ).toStatus();
}
