import { applyDecorators, Injectable } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import type { DescService } from '@bufbuild/protobuf';
import type { GrpcServiceImpl } from '../server/service-impl.types.js';

/** Discoverable marker carrying the service descriptor; read back by the server module. */
export const GrpcServiceMarker = DiscoveryService.createDecorator<DescService>();

/**
 * Marks a controller or provider class as the implementation of a protobuf-es service; the
 * {@link GrpcServerModule} finds it at bootstrap and serves it. The class must implement
 * `GrpcServiceImpl<typeof Service>` (checked at compile time):
 *
 * ```ts
 * @GrpcService(IngestionService)
 * export class IngestionGrpcController implements GrpcServiceImpl<typeof IngestionService> { … }
 * ```
 */
export function GrpcService<S extends DescService>(
  service: S,
): <T extends abstract new (...args: never[]) => GrpcServiceImpl<S>>(target: T) => void {
  const decorate = applyDecorators(Injectable(), GrpcServiceMarker(service));
  return (target) => {
    decorate(target);
  };
}
