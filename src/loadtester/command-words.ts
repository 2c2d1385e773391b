// Splitting a webhook's `cmd` into words the way a POSIX shell would for simple commands
// (single quotes, double quotes, backslashes), and telling apart commands that need a real
// shell (pipes, redirections, substitutions, several commands). Pure: no shell ever runs here.

/**
 * Characters that make a command more than one program with arguments: pipes, lists,
 * redirections, subshells, substitutions, a comment. Glob characters (? * [) stay literal, as
 * they do in a shell when no file matches, so a URL with a query string is still a simple command.
 */
const SHELL_SYNTAX = new Set(['|', '&', ';', '<', '>', '(', ')', '$', '`']);

export type Words = { ok: true; words: string[] } | { ok: false; reason: string };

/** A quoted span's text and the index of its closing quote, or why the span is not accepted. */
type Quoted = { ok: true; text: string; end: number } | { ok: false; reason: string };

/** The single-quoted span opening at `start`: every character up to the next ', taken literally. */
function singleQuoted(command: string, start: number): Quoted {
  const end = command.indexOf("'", start + 1);
  if (end === -1) return { ok: false, reason: 'unbalanced single quote' };
  return { ok: true, text: command.slice(start + 1, end), end };
}

/**
 * The double-quoted span opening at `start`: a backslash escapes " \ $ and `, and a bare $ or `
 * is refused, since inside double quotes a shell would substitute there.
 */
function doubleQuoted(command: string, start: number): Quoted {
  let text = '';
  let j = start + 1;
  for (; j < command.length && command[j] !== '"'; j++) {
    if (command[j] === '$' || command[j] === '`') return { ok: false, reason: `shell syntax ${command[j]} inside double quotes` };
    if (command[j] === '\\' && j + 1 < command.length && '"\\$`'.includes(command[j + 1])) j++;
    text += command[j];
  }
  if (j >= command.length) return { ok: false, reason: 'unbalanced double quote' };
  return { ok: true, text, end: j };
}

/** The words of a simple command, or why it is not one (shell syntax, unbalanced quotes). */
export function splitWords(command: string): Words {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  for (let i = 0; i < command.length; i++) {
    const c = command[i];
    if (c === "'" || c === '"') {
      const quoted = c === "'" ? singleQuoted(command, i) : doubleQuoted(command, i);
      if (!quoted.ok) return { ok: false, reason: quoted.reason };
      word += quoted.text;
      inWord = true;
      i = quoted.end;
    } else if (c === '\\') {
      if (i + 1 < command.length) word += command[++i];
      inWord = true;
    } else if (c === ' ' || c === '\t' || c === '\n') {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else if (SHELL_SYNTAX.has(c) || (c === '#' && !inWord)) {
      return { ok: false, reason: `shell syntax ${c}` };
    } else {
      word += c;
      inWord = true;
    }
  }
  if (inWord) words.push(word);
  return { ok: true, words };
}
