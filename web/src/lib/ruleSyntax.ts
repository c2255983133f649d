// SPDX-License-Identifier: Apache-2.0
// The rules language for the editor (docs/rules-language.md): a tokenizer for syntax highlighting,
// positions (the server's 1-based line/column in characters <-> string offsets), and the split of
// a source into styled segments (tokens, an error marker, a highlighted span).
//
// The tokenizer is for display only: it never fails, it keeps every character of the source (the
// tokens' texts joined are the source), and what it cannot read becomes an `invalid` token. The
// server's compiler (`POST /rules/validate`) is what decides whether a rule is valid.

export type TokenKind =
  | 'keyword' // and or not in between is (any case)
  | 'literal' // true false null (any case)
  | 'number' // 1000, 1_000.50
  | 'duration' // 30s 15m 24h 7d
  | 'string' // "USD" 'USD', escapes kept; an unterminated one runs to the end of its line
  | 'function' // an identifier followed by "(": lower(, count(, list(
  | 'argument' // a named argument before ":": by: window: where:
  | 'field' // a field path part: amount, counterparty.country, metadata."odd-key"
  | 'operator' // == != < <= > >= + - * / and the mistakes = && || !
  | 'punctuation' // ( ) [ ] , . :
  | 'comment' // # to the end of the line
  | 'whitespace'
  | 'invalid'; // anything else

export interface Token {
  kind: TokenKind;
  text: string;
  /** Offsets in the JavaScript string (UTF-16 code units), end exclusive. */
  start: number;
  end: number;
}

const KEYWORDS = new Set(['and', 'or', 'not', 'in', 'between', 'is']);
const LITERALS = new Set(['true', 'false', 'null']);
// Two-character operators first, so `<=` is one token.
const OPERATORS = ['==', '!=', '<=', '>=', '&&', '||', '<', '>', '+', '-', '*', '/', '=', '!'];
const PUNCTUATION = new Set(['(', ')', '[', ']', ',', '.', ':']);

const isDigit = (c: string) => c >= '0' && c <= '9';
const isIdentStart = (c: string) => (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_';
const isIdentPart = (c: string) => isIdentStart(c) || isDigit(c);
const isSpace = (c: string) => c === ' ' || c === '\t' || c === '\n' || c === '\r';

/** Splits a rule into tokens; the texts of the tokens, joined, are the source. */
export function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let at = 0;
  const push = (kind: TokenKind, end: number) => {
    tokens.push({ kind, text: source.slice(at, end), start: at, end });
    at = end;
  };
  while (at < source.length) {
    const c = source[at];
    if (isSpace(c)) {
      let end = at + 1;
      while (end < source.length && isSpace(source[end])) end++;
      push('whitespace', end);
    } else if (c === '#') {
      const newline = source.indexOf('\n', at);
      push('comment', newline < 0 ? source.length : newline);
    } else if (c === '"' || c === "'") {
      push('string', stringEnd(source, at));
    } else if (isDigit(c)) {
      let end = at + 1;
      while (end < source.length && (isDigit(source[end]) || source[end] === '_')) end++;
      const unit = source[end];
      if ((unit === 's' || unit === 'm' || unit === 'h' || unit === 'd') && !isIdentPart(source[end + 1] ?? '')) {
        push('duration', end + 1);
        continue;
      }
      if (source[end] === '.' && isDigit(source[end + 1] ?? '')) {
        end += 1;
        while (end < source.length && (isDigit(source[end]) || source[end] === '_')) end++;
      }
      push('number', end);
    } else if (isIdentStart(c)) {
      let end = at + 1;
      while (end < source.length && isIdentPart(source[end])) end++;
      const word = source.slice(at, end);
      const lower = word.toLowerCase();
      const previous = lastSignificant(tokens);
      const afterDot = previous?.kind === 'punctuation' && previous.text === '.';
      const next = nextNonSpace(source, end);
      if (!afterDot && KEYWORDS.has(lower)) push('keyword', end);
      else if (!afterDot && LITERALS.has(lower)) push('literal', end);
      else if (!afterDot && next === '(') push('function', end);
      else if (!afterDot && next === ':' && insideCall(tokens)) push('argument', end);
      else push('field', end);
    } else {
      const operator = OPERATORS.find((op) => source.startsWith(op, at));
      if (operator) push('operator', at + operator.length);
      else if (PUNCTUATION.has(c)) push('punctuation', at + 1);
      else push('invalid', at + codePointLength(source, at));
    }
  }
  return tokens;
}

/** The end of the text literal opening at `start`: after its closing quote, or the end of its line. */
function stringEnd(source: string, start: number): number {
  const quote = source[start];
  let at = start + 1;
  while (at < source.length) {
    const c = source[at];
    if (c === '\\') at += 2;
    else if (c === quote) return at + 1;
    else if (c === '\n') return at;
    else at += 1;
  }
  return source.length;
}

function lastSignificant(tokens: Token[]): Token | undefined {
  for (let index = tokens.length - 1; index >= 0; index--) {
    if (tokens[index].kind !== 'whitespace' && tokens[index].kind !== 'comment') return tokens[index];
  }
  return undefined;
}

function nextNonSpace(source: string, from: number): string {
  let at = from;
  while (at < source.length && isSpace(source[at])) at++;
  return source[at] ?? '';
}

/** Whether an open "(" of a call is unclosed before this point (named arguments live there). */
function insideCall(tokens: Token[]): boolean {
  let depth = 0;
  for (let index = tokens.length - 1; index >= 0; index--) {
    const token = tokens[index];
    if (token.kind !== 'punctuation') continue;
    if (token.text === ')' || token.text === ']') depth++;
    else if (token.text === '(' || token.text === '[') {
      if (depth === 0) return token.text === '(' && lastSignificant(tokens.slice(0, index))?.kind === 'function';
      depth--;
    }
  }
  return false;
}

function codePointLength(source: string, at: number): number {
  const code = source.codePointAt(at) ?? 0;
  return code > 0xffff ? 2 : 1;
}

// --- Positions -----------------------------------------------------------------------------

/**
 * The string offset of a 1-based line and column, columns counted in characters (code points)
 * as the server counts them. A column past the end of its line gives the line's end; a line past
 * the last gives the end of the source.
 */
export function offsetAt(source: string, line: number, column: number): number {
  let at = 0;
  for (let current = 1; current < line; current++) {
    const newline = source.indexOf('\n', at);
    if (newline < 0) return source.length;
    at = newline + 1;
  }
  let lineEnd = source.indexOf('\n', at);
  if (lineEnd < 0) lineEnd = source.length;
  for (let current = 1; current < column && at < lineEnd; current++) at += codePointLength(source, at);
  return at;
}

/** The 1-based line and column (in characters) of a string offset. */
export function lineColumnAt(source: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let at = 0; at < offset && at < source.length; at++) {
    if (source[at] === '\n') {
      line++;
      lineStart = at + 1;
    }
  }
  let column = 1;
  for (let at = lineStart; at < offset && at < source.length; at += codePointLength(source, at)) column++;
  return { line, column };
}

export interface Span {
  start: number;
  end: number;
}

/**
 * The span of a sub-expression the server names by its line, column and source text (a trace or
 * explanation step). The text may have been shortened by the server ("..." at the end): then the
 * span covers the part that matches. When the text is not found at the position (another version
 * of the source), the span is empty at the position.
 */
export function spanOfStep(source: string, step: { line: number; column: number; text: string }): Span {
  const start = offsetAt(source, step.line, step.column);
  let text = step.text;
  if (source.startsWith(text, start)) return { start, end: start + text.length };
  if (text.endsWith('...')) {
    text = text.slice(0, -3);
    if (source.startsWith(text, start)) return { start, end: start + text.length };
  }
  return { start, end: start };
}

/**
 * Where the error marker goes for an error at (line, column): the token that starts there (or
 * the rest of the token it falls into), at least one character. At the end of a line or of the
 * source the span is empty: the editor draws a marker after the last character.
 */
export function errorSpan(source: string, tokens: Token[], line: number, column: number): Span {
  const start = offsetAt(source, line, column);
  const token = tokens.find((t) => t.start <= start && start < t.end);
  if (!token || token.kind === 'whitespace') {
    if (start >= source.length || source[start] === '\n') return { start, end: start };
    return { start, end: start + codePointLength(source, start) };
  }
  return { start, end: token.end };
}

// --- Segments ------------------------------------------------------------------------------

export interface Segment {
  text: string;
  /** The token kind, or null for text outside tokens (never happens with `tokenize`). */
  kind: TokenKind | null;
  error: boolean;
  highlight: boolean;
}

/**
 * The source cut into runs of one token kind with the same marks, for rendering: `error` and
 * `highlight` are spans (either may be null). The texts joined are the source.
 */
export function segments(source: string, tokens: Token[], error: Span | null, highlight: Span | null): Segment[] {
  const cuts = new Set<number>([0, source.length]);
  for (const token of tokens) {
    cuts.add(token.start);
    cuts.add(token.end);
  }
  for (const span of [error, highlight]) {
    if (!span) continue;
    cuts.add(clamp(span.start, source.length));
    cuts.add(clamp(span.end, source.length));
  }
  const points = [...cuts].sort((a, b) => a - b);
  const result: Segment[] = [];
  let tokenIndex = 0;
  for (let index = 0; index + 1 < points.length; index++) {
    const start = points[index];
    const end = points[index + 1];
    if (end <= start) continue;
    while (tokenIndex < tokens.length && tokens[tokenIndex].end <= start) tokenIndex++;
    const token = tokens[tokenIndex];
    const kind = token && token.start <= start ? token.kind : null;
    const inError = !!error && error.start <= start && end <= error.end && error.end > error.start;
    const inHighlight = !!highlight && highlight.start <= start && end <= highlight.end;
    const previous = result[result.length - 1];
    if (previous && previous.kind === kind && previous.error === inError && previous.highlight === inHighlight && kind !== 'whitespace') {
      previous.text += source.slice(start, end);
    } else {
      result.push({ text: source.slice(start, end), kind, error: inError, highlight: inHighlight });
    }
  }
  return result;
}

function clamp(value: number, max: number): number {
  return Math.max(0, Math.min(max, value));
}
