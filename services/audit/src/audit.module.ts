import { Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import type { AuditStore } from '@cairn/audit-store';
import { Checkpointer } from './checkpoints/checkpointer.js';
import { EveryEventConsumer } from './events/every-event.consumer.js';
import { Explainer } from './explain/explainer.js';
import { AuditGrpcController } from './grpc/audit.grpc-controller.js';
import { AuditRecorder } from './recording/audit-recorder.js';
import { checkpointSignerProvider } from './signing/signing-key.provider.js';
import { AUDIT_STORE, auditStoreProvider } from './store/audit-store.provider.js';
import { AuditTrail } from './trail/audit-trail.js';

/** The audit service: the tamper-evident record of every event, its verification, and answer provenance. */
@Module({
  providers: [
    auditStoreProvider,
    checkpointSignerProvider,
    Checkpointer,
    AuditTrail,
    AuditRecorder,
    Explainer,
    EveryEventConsumer,
    AuditGrpcController,
  ],
})
export class AuditModule implements OnApplicationShutdown {
  constructor(@Inject(AUDIT_STORE) private readonly store: AuditStore) {}

  async onApplicationShutdown(): Promise<void> {
    await this.store.close();
  }
}
