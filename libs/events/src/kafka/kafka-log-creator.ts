import { logLevel, type logCreator } from 'kafkajs';
import type { Logger } from '@cairn/observability';

/** kafkajs log level matching a pino logger (DEBUG only when the logger is at debug or trace). */
export function kafkaLogLevel(logger: Logger): logLevel {
  if (logger.isLevelEnabled('debug')) return logLevel.DEBUG;
  if (logger.isLevelEnabled('info')) return logLevel.INFO;
  if (logger.isLevelEnabled('warn')) return logLevel.WARN;
  return logger.isLevelEnabled('error') ? logLevel.ERROR : logLevel.NOTHING;
}

/** Routes kafkajs logs to our pino logger, with kafkajs's namespace and fields as structured data. */
export function kafkaLogCreator(logger: Logger): logCreator {
  return () =>
    ({ namespace, level, log }) => {
      const { message, timestamp: _timestamp, logger: _name, ...fields } = log;
      const target = logger.child({ kafkajs: namespace });
      switch (level) {
        case logLevel.ERROR:
          target.error(fields, message);
          break;
        case logLevel.WARN:
          target.warn(fields, message);
          break;
        case logLevel.INFO:
          target.info(fields, message);
          break;
        case logLevel.DEBUG:
          target.debug(fields, message);
          break;
        case logLevel.NOTHING:
          break;
      }
    };
}
