// SPDX-License-Identifier: Apache-2.0
import { describe, expect, it } from 'vitest';
import { errorSpan, lineColumnAt, offsetAt, segments, spanOfStep, tokenize, type TokenKind } from './ruleSyntax';

/** The significant tokens as "kind:text". */
function kinds(source: string): string[] {
  return tokenize(source)
    .filter((t) => t.kind !== 'whitespace')
    .map((t) => `${t.kind}:${t.text}`);
}

describe('tokenize', () => {
  it('keeps every character: the tokens joined are the source', () => {
    const sources = [
      'amount > 1000 and currency == "USD"',
      'count(by: account_id, window: 1h, where: direction == "outbound") >= 5\n# note\n',
      '"unterminated\namount',
      'amount > 1 && x = 2 ¤ 😀',
      '',
    ];
    for (const source of sources) {
      expect(tokenize(source).map((t) => t.text).join('')).toBe(source);
    }
  });

  it('reads keywords in any case, literals, numbers and durations', () => {
    expect(kinds('amount BETWEEN 1_000.50 and 2000 Or x IS NOT null')).toEqual([
      'field:amount',
      'keyword:BETWEEN',
      'number:1_000.50',
      'keyword:and',
      'number:2000',
      'keyword:Or',
      'field:x',
      'keyword:IS',
      'keyword:NOT',
      'literal:null',
    ]);
    expect(kinds('window: 24h, 30s, 7d, 15m, 3.5, 12hx')).toEqual([
      'field:window',
      'punctuation::',
      'duration:24h',
      'punctuation:,',
      'duration:30s',
      'punctuation:,',
      'duration:7d',
      'punctuation:,',
      'duration:15m',
      'punctuation:,',
      'number:3.5',
      'punctuation:,',
      'number:12',
      'field:hx',
    ]);
  });

  it('tells functions, named arguments and field paths apart', () => {
    expect(kinds('sum(amount, by: customer_id, window: 24h, where: type == "cash")')).toEqual([
      'function:sum',
      'punctuation:(',
      'field:amount',
      'punctuation:,',
      'argument:by',
      'punctuation::',
      'field:customer_id',
      'punctuation:,',
      'argument:window',
      'punctuation::',
      'duration:24h',
      'punctuation:,',
      'argument:where',
      'punctuation::',
      'field:type',
      'operator:==',
      'string:"cash"',
      'punctuation:)',
    ]);
    // A keyword or function name after a dot is a path part.
    expect(kinds('metadata.in.lower and metadata."odd-key" == counterparty.country')).toEqual([
      'field:metadata',
      'punctuation:.',
      'field:in',
      'punctuation:.',
      'field:lower',
      'keyword:and',
      'field:metadata',
      'punctuation:.',
      'string:"odd-key"',
      'operator:==',
      'field:counterparty',
      'punctuation:.',
      'field:country',
    ]);
    expect(kinds('lower (x)')[0]).toBe('function:lower');
  });

  it('reads strings with escapes, comments, operators and what it cannot read', () => {
    expect(kinds(`name == "a \\"b\\" c" or name == 'it\\'s' # a comment`)).toEqual([
      'field:name',
      'operator:==',
      'string:"a \\"b\\" c"',
      'keyword:or',
      'field:name',
      'operator:==',
      "string:'it\\'s'",
      'comment:# a comment',
    ]);
    expect(kinds('a <= 1 && b = 2 ¤')).toEqual([
      'field:a',
      'operator:<=',
      'number:1',
      'operator:&&',
      'field:b',
      'operator:=',
      'number:2',
      'invalid:¤',
    ]);
    // An unterminated text stops at the end of its line.
    expect(kinds('x == "abc\ny')).toEqual(['field:x', 'operator:==', 'string:"abc', 'field:y']);
  });
});

describe('positions', () => {
  const source = 'type == "wire"\nand amont > 10000';

  it('maps line and column to offsets and back', () => {
    expect(offsetAt(source, 1, 1)).toBe(0);
    expect(offsetAt(source, 2, 5)).toBe(19);
    expect(source.slice(19, 24)).toBe('amont');
    expect(lineColumnAt(source, 19)).toEqual({ line: 2, column: 5 });
    // Past the end of a line or of the source.
    expect(offsetAt(source, 1, 99)).toBe(14);
    expect(offsetAt(source, 9, 1)).toBe(source.length);
  });

  it('counts columns in characters, not UTF-16 units', () => {
    const emoji = 'name == "😀" and x > 1';
    // "x" is the 17th character, the 18th UTF-16 unit.
    expect(offsetAt(emoji, 1, 17)).toBe(emoji.indexOf('x'));
    expect(lineColumnAt(emoji, emoji.indexOf('x'))).toEqual({ line: 1, column: 17 });
  });

  it('finds the span of a trace step, also when the server shortened its text', () => {
    expect(spanOfStep(source, { line: 2, column: 5, text: 'amont > 10000' })).toEqual({ start: 19, end: 32 });
    expect(spanOfStep(source, { line: 2, column: 5, text: 'amont >...' })).toEqual({ start: 19, end: 26 });
    expect(spanOfStep(source, { line: 2, column: 5, text: 'something else' })).toEqual({ start: 19, end: 19 });
  });

  it('puts the error marker on the token at the error', () => {
    const tokens = tokenize(source);
    expect(errorSpan(source, tokens, 2, 5)).toEqual({ start: 19, end: 24 });
    // In the middle of a token: to its end.
    expect(errorSpan(source, tokens, 2, 7)).toEqual({ start: 21, end: 24 });
    // On a space: one character; at the end of the source: empty.
    expect(errorSpan(source, tokens, 1, 5)).toEqual({ start: 4, end: 5 });
    expect(errorSpan(source, tokens, 2, 18)).toEqual({ start: source.length, end: source.length });
  });
});

describe('segments', () => {
  it('marks the error and the highlight and keeps the text', () => {
    const source = 'amont > 5 and x';
    const tokens = tokenize(source);
    const parts = segments(source, tokens, { start: 0, end: 5 }, { start: 8, end: 15 });
    expect(parts.map((p) => p.text).join('')).toBe(source);
    const marked = (predicate: (p: (typeof parts)[number]) => boolean) =>
      parts.filter(predicate).map((p) => p.text).join('');
    expect(marked((p) => p.error)).toBe('amont');
    expect(marked((p) => p.highlight)).toBe('5 and x');
    expect(parts[0]).toEqual({ text: 'amont', kind: 'field' as TokenKind, error: true, highlight: false });
  });

  it('cuts a token where a highlight starts inside it', () => {
    const source = 'amount';
    const parts = segments(source, tokenize(source), null, { start: 2, end: 4 });
    expect(parts.map((p) => [p.text, p.highlight])).toEqual([
      ['am', false],
      ['ou', true],
      ['nt', false],
    ]);
  });
});
