import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { METRICS_NAMESPACE } from '../contract/metrics';

/** Counts events; the handlers take it as a dependency so tests can see what was counted. */
export interface Counter {
  count(name: string, dimensions?: Readonly<Record<string, string>>): void;
}

export const noCounter: Counter = { count() {} };

/**
 * A Powertools Metrics counter that emits each count at once (an EMF log line), so nothing is lost if the
 * invocation fails before a flush. Dimensions must be low-cardinality: never an organization id from a request.
 */
export function powertoolsCounter(serviceName: string, metrics?: Metrics): Counter {
  const base = metrics ?? new Metrics({ namespace: METRICS_NAMESPACE, serviceName });
  return {
    count(name, dimensions = {}) {
      const single = base.singleMetric();
      for (const [key, value] of Object.entries(dimensions)) single.addDimension(key, value);
      single.addMetric(name, MetricUnit.Count, 1);
    },
  };
}
