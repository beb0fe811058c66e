export const answer = 42;
export function helper(): string {
  return 'no environment here';
}
