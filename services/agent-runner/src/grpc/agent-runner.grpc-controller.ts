import { AgentService } from '@cairn/contracts/cairn/agent/v1/agent';
import { GrpcService, type GrpcServiceImpl } from '@cairn/grpc';
import { notYetAvailable } from '@cairn/platform';

/** gRPC surface of the agent-runner service. */
@GrpcService(AgentService)
export class AgentRunnerGrpcController implements GrpcServiceImpl<typeof AgentService> {
  async putAgent(): Promise<never> {
    throw notYetAvailable('AgentService.PutAgent');
  }

  async getAgent(): Promise<never> {
    throw notYetAvailable('AgentService.GetAgent');
  }

  async *run(): AsyncGenerator<never> {
    throw notYetAvailable('AgentService.Run');
  }

  async startRun(): Promise<never> {
    throw notYetAvailable('AgentService.StartRun');
  }

  async getRun(): Promise<never> {
    throw notYetAvailable('AgentService.GetRun');
  }

  async cancelRun(): Promise<never> {
    throw notYetAvailable('AgentService.CancelRun');
  }

  async listRuns(): Promise<never> {
    throw notYetAvailable('AgentService.ListRuns');
  }
}
