// Drawing of message and tool-result content: text (large text folded), base64 images inline, other JSON.

/** Text longer than this many characters or lines is folded behind a summary. */
const FOLD_CHARS = 2_000;
const FOLD_LINES = 30;

/** A block of text, folded when large. */
export function Text({ text }: { text: string }) {
  const lines = text.split('\n').length;
  if (text.length <= FOLD_CHARS && lines <= FOLD_LINES) return <pre class="text">{text}</pre>;
  return (
    <details class="folded">
      <summary>
        {text.length.toLocaleString('en')} characters, {lines} lines
      </summary>
      <pre class="text">{text}</pre>
    </details>
  );
}

/** JSON, pretty-printed and folded when large. */
export function Json({ value }: { value: unknown }) {
  return <Text text={typeof value === 'string' ? value : JSON.stringify(value, null, 2)} />;
}

/** One content block (MCP `TextContent`, `ImageContent`, or anything else as JSON). */
function Block({ block }: { block: unknown }) {
  if (typeof block === 'string') return <Text text={block} />;
  if (typeof block === 'object' && block !== null) {
    const part = block as Record<string, unknown>;
    if (part.type === 'text' && typeof part.text === 'string') return <Text text={part.text} />;
    if (part.type === 'image' && typeof part.data === 'string') {
      const mime = typeof part.mimeType === 'string' ? part.mimeType : 'image/png';
      return (
        <img class="inline-image" alt="step attachment" src={`data:${mime};base64,${part.data}`} />
      );
    }
  }
  return <Json value={block} />;
}

/** Content: a string, one block, or a list of blocks. */
export function Content({ content }: { content: unknown }) {
  const blocks = Array.isArray(content) ? content : [content];
  return (
    <div class="content">
      {blocks.map((block, index) => (
        <Block key={index} block={block} />
      ))}
    </div>
  );
}
