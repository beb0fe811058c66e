/**
 * `@hud/graders`: result builders, `combine`, text matchers, `BashGrader` and `LLMJudgeGrader`, with the
 * numbers of hud-python 0.6.16 `hud/graders`.
 */
export type { EvaluationResult, SubScore } from '@hud/protocol';
export {
  BashGrader,
  type BashGraderOptions,
  type BashGraderParams,
  DEFAULT_BASH_TIMEOUT_MS,
} from './bash-grader.js';
export {
  type CombineBooleanOptions,
  combine,
  combineAll,
  combineAny,
  dedupeSubScoreNames,
  type SubScoreInput,
} from './combine.js';
export type { CommandExecutor, CommandOutcome, CommandRunOptions } from './command-executor.js';
export {
  type ErrorSubScoreInit,
  errorResult,
  errorSubScore,
  isErrorResult,
} from './error-result.js';
export { GraderError, type GraderErrorCode } from './errors.js';
export { type ComputedScore, type GradeContext, type GradeOptions, Grader } from './grader.js';
export {
  type JsonMatchExpected,
  type JsonMatchOptions,
  type JsonMatchSchema,
  jsonMatch,
} from './json-match.js';
export {
  JUDGE_SYSTEM_PROMPT,
  type JudgeCriterion,
  judgeUserPrompt,
  parseJudgeVerdict,
  rubricValue,
} from './judge-prompt.js';
export {
  type CriterionInput,
  DEFAULT_JUDGE_BASE_URL,
  DEFAULT_JUDGE_MODEL,
  JUDGE_MAX_TOKENS,
  LLMJudgeGrader,
  type LLMJudgeGraderOptions,
  type LLMJudgeGraderParams,
} from './llm-judge-grader.js';
export {
  DEFAULT_MAX_OUTPUT_BYTES,
  LocalCommandExecutor,
  type LocalCommandExecutorOptions,
} from './local-command-executor.js';
export { type RegexMatchOptions, regexMatch } from './regex-match.js';
export {
  type EvaluationInit,
  evaluation,
  evaluationFromFloat,
  type SubScoreInit,
  subscore,
  toSummary,
  validateSubScore,
} from './results.js';
export {
  type ContainsOptions,
  contains,
  containsAll,
  containsAny,
  type ExactMatchOptions,
  exactMatch,
  f1Score,
  type NumericMatchOptions,
  normalize,
  numericMatch,
} from './text.js';
export type {
  GraderWarning,
  GraderWarningCode,
  WarningHandler,
  WarningOptions,
} from './warnings.js';
