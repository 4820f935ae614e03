/**
 * spire.api.agent.logger.v1.Logger on the admin socket: read the log level, change it at run
 * time, and reset it to the level the agent was launched with (log_level).
 */
import { Code, ConnectError, type ServiceImpl } from '@connectrpc/connect';
import { LOG_LEVELS, type LogLevel, type Logger } from '@tspire/common';
import { types, type agentloggerv1 } from '@tspire/proto';

/** The part of @tspire/common's ManagedLogger the Logger API drives. */
export interface LogLevelControl {
  level(): LogLevel;
  setLevel(level: string): void;
}

export interface AgentLoggerServiceDeps {
  readonly control: LogLevelControl;
  /** The configured log_level: ResetLogLevel's target and the answers' launch_level. */
  readonly launchLevel: LogLevel;
  readonly logger: Logger;
}

// spire.api.types.LogLevel numbers PANIC = 1 ... TRACE = 7, in LOG_LEVELS' order.
export function logLevelToProto(level: LogLevel): types.LogLevel {
  return (LOG_LEVELS.indexOf(level) + 1) as types.LogLevel;
}

export function logLevelFromProto(level: types.LogLevel): LogLevel | undefined {
  return level === types.LogLevel.UNSPECIFIED ? undefined : LOG_LEVELS[level - 1];
}

/**
 * @example router.service(agentloggerv1.Logger, createAgentLoggerService({ control: managedLogger, launchLevel: config.logLevel, logger }))
 */
export function createAgentLoggerService(deps: AgentLoggerServiceDeps): ServiceImpl<typeof agentloggerv1.Logger> {
  const { control, launchLevel, logger } = deps;
  const answer = () => ({ currentLevel: logLevelToProto(control.level()), launchLevel: logLevelToProto(launchLevel) });
  return {
    getLogger: answer,
    setLogLevel(req) {
      const level = logLevelFromProto(req.newLevel);
      if (level === undefined) {
        throw new ConnectError(
          req.newLevel === types.LogLevel.UNSPECIFIED ? 'newLevel value cannot be LogLevel_UNSPECIFIED' : `newLevel value ${req.newLevel} is not a log level`,
          Code.InvalidArgument,
        );
      }
      control.setLevel(level);
      logger.info('Log level set', { new_level: level });
      return answer();
    },
    resetLogLevel() {
      control.setLevel(launchLevel);
      logger.info('Log level reset', { launch_level: launchLevel });
      return answer();
    },
  };
}
