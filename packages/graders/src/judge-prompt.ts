import { isRecord, type SubScore } from '@hud/protocol';
import { PY_SPACE, pyHead } from './python-text.js';

/**
 * The judge's system prompt. hud-ts's own wording of the instructions hud-python 0.6.16's `_SYSTEM_PROMPT`
 * gives (spec §4.4): decide presence, negative criteria are MET when the error is made, strict on facts and
 * flexible on wording, watch negation, unconditional requirements, and the exact JSON reply form.
 */
export const JUDGE_SYSTEM_PROMPT = `You are grading one response against one criterion. Decide only whether the thing the criterion describes is present in the response.

The <criterion_type> field tells you whether the criterion names something desirable (positive) or a mistake to avoid (negative). The question is the same for both: is the described thing really there?
- positive: MET when the response satisfies the criterion, otherwise UNMET.
- negative: MET when the response actually commits the described mistake, otherwise UNMET (mentioning the mistake only to warn against it does not count).

Guidelines:
- Be strict about factual accuracy and lenient about phrasing: equivalent wording and clear implications count.
- Pay attention to negations, caveats and contrasts ("avoid X", "unlike X").
- If the criterion requires something unconditionally or immediately, a response that does it only under some condition is UNMET.
- The status is about presence, not quality.

Reply with raw JSON only, with no code fences and no other text, exactly in this form:
{"criterion_status": "MET", "explanation": "Brief reason."}`;

/** One rubric criterion: a requirement and its weight (negative = a penalty for an error). */
export interface JudgeCriterion {
  requirement: string;
  weight: number;
}

/**
 * The user message for one criterion, byte for byte as hud-python 0.6.16 `_user_prompt` builds it:
 * `<criterion_type>`, `<criterion>`, an optional `<query>` (only when `question` is non-empty), `<response>`.
 */
export function judgeUserPrompt(
  criterion: JudgeCriterion,
  answer: string,
  question: string,
): string {
  const criterionType = criterion.weight < 0 ? 'negative' : 'positive';
  const query = question ? `<query>\n${question}\n</query>\n\n` : '';
  return (
    `<criterion_type>\n${criterionType}\n</criterion_type>\n\n` +
    `<criterion>\n${criterion.requirement}\n</criterion>\n\n` +
    `${query}` +
    `<response>\n${answer}\n</response>`
  );
}

const STRIP = new RegExp(`^[${PY_SPACE}]+|[${PY_SPACE}]+$`, 'gu');

function pythonStr(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

function removePrefix(text: string, prefix: string): string {
  return text.startsWith(prefix) ? text.slice(prefix.length) : text;
}

/**
 * Reads a judge reply as hud-python 0.6.16 `_parse_verdict` does: strip, drop a leading ```` ```json ````
 * or ```` ``` ```` and a trailing ```` ``` ````, parse the `{…}` span; MET iff
 * `criterion_status.toUpperCase() === "MET"`, reason = `explanation`. When there is no parseable object,
 * MET iff the text contains "MET" but not "UNMET", reason = the first 200 characters.
 */
export function parseJudgeVerdict(content: string): { met: boolean; reason: string } {
  let text = content.replace(STRIP, '');
  text = removePrefix(removePrefix(text, '```json'), '```');
  if (text.endsWith('```')) text = text.slice(0, -3);
  text = text.replace(STRIP, '');
  const start = text.indexOf('{');
  const end = text.lastIndexOf('}');
  if (start !== -1 && end > start) {
    try {
      const data: unknown = JSON.parse(text.slice(start, end + 1));
      if (isRecord(data)) {
        const get = (key: string) => (Object.hasOwn(data, key) ? data[key] : '');
        const status = pythonStr(get('criterion_status')).toUpperCase();
        return { met: status === 'MET', reason: pythonStr(get('explanation')) };
      }
    } catch {
      // Not JSON: fall back to scanning for a verdict token below.
    }
  }
  const upper = text.toUpperCase();
  // "UNMET" contains "MET", so it is tested first.
  return { met: !upper.includes('UNMET') && upper.includes('MET'), reason: pyHead(text, 200) };
}

/**
 * The rubric value in `[0, 1]` of judged criteria (hud-python 0.6.16 `_rubric_value`): with
 * `P = Σ max(0, w)`, `N = Σ |w|` over `w < 0` and `S = Σ value·w`: `clamp(S / P)` if `P > 0`, else
 * `clamp(1 + S / N)` if `N > 0`, else 0.
 */
export function rubricValue(verdicts: readonly SubScore[]): number {
  let positive = 0;
  let negative = 0;
  let weighted = 0;
  for (const verdict of verdicts) positive += Math.max(0, verdict.weight);
  for (const verdict of verdicts) if (verdict.weight < 0) negative += Math.abs(verdict.weight);
  for (const verdict of verdicts) weighted += verdict.value * verdict.weight;
  const clamp = (value: number) => Math.max(0, Math.min(1, value));
  if (positive > 0) return clamp(weighted / positive);
  if (negative > 0) return clamp(1 + weighted / negative);
  return 0;
}
