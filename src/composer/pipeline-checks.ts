import type { CheckProblem, ParsedBlocks, SpecChecker } from '../pipeline-spec/yaml-pipeline-loader.js';
import { routeRuleProblem } from '../routing/route-rules.js';
import { resolveTimeZone } from '../transforms/expression/time-zone.js';

/**
 * The checks of a pipeline definition that need no server, beyond its option schemas: route
 * rules (regexes, sink table ids), the pipeline's time zone, and with `expressions` the transform
 * rules (the expression parser loads only for a pipeline that has them). `validate` and `run`
 * load every pipeline with these, so both report the same problems, all at once.
 */
export function offlineChecks(expressions?: SpecChecker): SpecChecker {
  return (blocks) => [
    ...pipelineProblems(blocks),
    ...routeProblems(blocks),
    ...(expressions?.(blocks) ?? []),
  ];
}

function pipelineProblems(blocks: ParsedBlocks): CheckProblem[] {
  const zone = blocks.pipeline?.['local-time-zone'];
  if (zone === undefined || resolveTimeZone(zone)) return [];
  return [
    {
      path: ['pipeline', 'local-time-zone'],
      message: `pipeline.local-time-zone: "${zone}" is not a time zone: use an id like Asia/Shanghai or an offset like +08:00`,
    },
  ];
}

function routeProblems(blocks: ParsedBlocks): CheckProblem[] {
  return (blocks.routes ?? []).flatMap((rule, i) => {
    const problem = routeRuleProblem(rule, i);
    return problem ? [{ path: ['route', i, problem.key], message: problem.message }] : [];
  });
}
