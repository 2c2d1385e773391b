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

/** The words of a simple command, or why it is not one (shell syntax, unbalanced quotes). */
export function splitWords(command: string): Words {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  for (let i = 0; i < command.length; i++) {
    const c = command[i];
    if (c === "'") {
      const end = command.indexOf("'", i + 1);
      if (end === -1) return { ok: false, reason: 'unbalanced single quote' };
      word += command.slice(i + 1, end);
      inWord = true;
      i = end;
    } else if (c === '"') {
      let j = i + 1;
      for (; j < command.length && command[j] !== '"'; j++) {
        if (command[j] === '$' || command[j] === '`') return { ok: false, reason: `shell syntax ${command[j]} inside double quotes` };
        if (command[j] === '\\' && j + 1 < command.length && '"\\$`'.includes(command[j + 1])) j++;
        word += command[j];
      }
      if (j >= command.length) return { ok: false, reason: 'unbalanced double quote' };
      inWord = true;
      i = j;
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
