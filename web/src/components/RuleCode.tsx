// SPDX-License-Identifier: Apache-2.0
// The rules language on screen: an editor (a plain <textarea> over a highlighted copy of its text,
// so typing, selection, undo and the keyboard stay the browser's own) and a read-only view. Both
// number the lines, colour the tokens (lib/ruleSyntax.ts), underline an error at its line and
// column, and can highlight a span (a trace step).
import { useId, useImperativeHandle, useMemo, useRef, type ReactNode, type Ref } from 'react';
import { errorSpan, offsetAt, segments, tokenize, type Segment, type Span } from '../lib/ruleSyntax';

export interface CodeError {
  line: number;
  column: number;
  message: string;
}

export interface RuleEditorHandle {
  /** Puts the caret at a 1-based line and column and focuses the editor. */
  focusAt: (line: number, column: number) => void;
  focus: () => void;
}

/** The highlighted lines: one element per line, the line number drawn in the left padding. */
function HighlightedLines({ source, error, highlight }: { source: string; error: CodeError | null; highlight: Span | null }) {
  const tokens = useMemo(() => tokenize(source), [source]);
  const errorAt = useMemo(
    () => (error ? errorSpan(source, tokens, error.line, error.column) : null),
    [source, tokens, error],
  );
  const parts = useMemo(() => segments(source, tokens, errorAt, highlight), [source, tokens, errorAt, highlight]);
  const lines = useMemo(() => splitLines(parts), [parts]);
  const errorLine = error ? Math.min(error.line, lines.length) : 0;
  // An error at the end of a line or of the source has no character to underline: a marker there.
  const emptyErrorLine = errorAt && errorAt.start === errorAt.end ? lineOfOffset(source, errorAt.start) : 0;
  return (
    <>
      {lines.map((line, index) => {
        const number = index + 1;
        return (
          <span key={index} className={`code-line${number === errorLine ? ' code-line-error' : ''}`} data-line={number}>
            {line.map((part, partIndex) => (
              <SegmentView key={partIndex} part={part} />
            ))}
            {number === emptyErrorLine ? <span className="tok-error-end" data-error-marker="" /> : null}
            {'\n'}
          </span>
        );
      })}
    </>
  );
}

function SegmentView({ part }: { part: Segment }) {
  const classes = [part.kind ? `tok-${part.kind}` : '', part.error ? 'tok-error' : '', part.highlight ? 'tok-highlight' : '']
    .filter(Boolean)
    .join(' ');
  if (!classes) return <>{part.text}</>;
  return (
    <span className={classes} data-error-marker={part.error ? '' : undefined}>
      {part.text}
    </span>
  );
}

/** Segments cut at newlines, one array per line (the newlines themselves dropped). */
function splitLines(parts: Segment[]): Segment[][] {
  const lines: Segment[][] = [[]];
  for (const part of parts) {
    const pieces = part.text.split('\n');
    pieces.forEach((piece, index) => {
      if (index > 0) lines.push([]);
      if (piece) lines[lines.length - 1].push({ ...part, text: piece });
    });
  }
  return lines;
}

function lineOfOffset(source: string, offset: number): number {
  let line = 1;
  for (let at = 0; at < offset && at < source.length; at++) if (source[at] === '\n') line++;
  return line;
}

export function RuleEditor({
  value,
  onChange,
  error,
  highlight = null,
  readOnly = false,
  label,
  describedBy,
  ref,
  minLines = 6,
}: {
  value: string;
  onChange: (value: string) => void;
  error: CodeError | null;
  highlight?: Span | null;
  readOnly?: boolean;
  /** The accessible name of the text area. */
  label: string;
  describedBy?: string;
  ref?: Ref<RuleEditorHandle>;
  minLines?: number;
}) {
  const textarea = useRef<HTMLTextAreaElement>(null);
  useImperativeHandle(
    ref,
    () => ({
      focusAt(line: number, column: number) {
        const element = textarea.current;
        if (!element) return;
        const at = offsetAt(element.value, line, column);
        element.focus();
        element.setSelectionRange(at, at);
      },
      focus() {
        textarea.current?.focus();
      },
    }),
    [],
  );
  // Short rules still get a comfortable box: pad the highlighted copy with empty lines.
  const lineCount = value.split('\n').length;
  const padding = '\n'.repeat(Math.max(0, minLines - lineCount));
  return (
    <div className={`code-editor${error ? ' code-editor-invalid' : ''}${readOnly ? ' code-editor-readonly' : ''}`}>
      <pre className="code-highlight" aria-hidden="true">
        <HighlightedLines source={value} error={error} highlight={highlight} />
        {padding}
      </pre>
      <textarea
        ref={textarea}
        className="code-input"
        value={value}
        onChange={(event) => onChange(event.target.value)}
        readOnly={readOnly}
        spellCheck={false}
        autoCapitalize="off"
        autoComplete="off"
        autoCorrect="off"
        aria-label={label}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy}
        data-gramm="false"
      />
    </div>
  );
}

/** A read-only rule with line numbers, colours and an optional highlighted span. */
export function RuleCodeView({
  source,
  highlight = null,
  label,
}: {
  source: string;
  highlight?: Span | null;
  label?: string;
}) {
  return (
    <pre className="code-view" aria-label={label}>
      <HighlightedLines source={source} error={null} highlight={highlight} />
    </pre>
  );
}

/** The message of an expression error under the editor, with a button that puts the caret there. */
export function CodeErrorMessage({
  error,
  id,
  onGoTo,
  children,
}: {
  error: CodeError;
  id?: string;
  onGoTo?: () => void;
  children?: ReactNode;
}) {
  const fallbackId = useId();
  return (
    <div className="code-error" id={id ?? fallbackId} role="alert">
      <span className="code-error-position">
        Line {error.line}, column {error.column}
      </span>
      <span className="code-error-message">{error.message}</span>
      {onGoTo ? (
        <button type="button" className="btn-link code-error-goto" onClick={onGoTo}>
          Go to the error
        </button>
      ) : null}
      {children}
    </div>
  );
}
