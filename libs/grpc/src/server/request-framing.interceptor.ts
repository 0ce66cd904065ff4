import { ServerInterceptingCall, type ServerInterceptor } from '@grpc/grpc-js';
import { GrpcError, Status } from '../errors/grpc-error.js';

/**
 * grpc-js answers a unary or server-streaming call whose request stream holds no message, or more
 * than one, with UNIMPLEMENTED and a message that names the wrong kind of method ("Received no
 * request message for server streaming method ..." for a unary one). UNIMPLEMENTED tells a client
 * the method does not exist; the request is what is wrong. This interceptor answers those calls
 * INVALID_ARGUMENT with reason `MALFORMED_REQUEST` instead, and passes every other status as is.
 */
export const requestFramingInterceptor: ServerInterceptor = (method, call) =>
  new ServerInterceptingCall(call, {
    sendStatus: (status, next) => {
      if (status.code !== Status.UNIMPLEMENTED) return next(status);
      const problem = /^Received (no request message|a second request message) for /.exec(
        status.details,
      )?.[1];
      if (!problem) return next(status);
      const count = problem === 'no request message' ? 'no message' : 'more than one message';
      next(
        new GrpcError(
          Status.INVALID_ARGUMENT,
          `${method.path}: the request stream held ${count}; this method takes exactly one request message`,
          { reason: 'MALFORMED_REQUEST' },
        ).toStatus(),
      );
    },
  });
