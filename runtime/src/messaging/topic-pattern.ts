/**
 * AMQP topic-exchange matching, for transports that route in process: a binding pattern is
 * words separated by dots, where `*` matches exactly one word and `#` zero or more words.
 */
export function topicMatches(pattern: string, topic: string): boolean {
  if (!pattern.includes('*') && !pattern.includes('#')) return pattern === topic;
  return matchWords(pattern.split('.'), 0, topic.split('.'), 0);
}

function matchWords(pattern: readonly string[], p: number, words: readonly string[], w: number): boolean {
  if (p === pattern.length) return w === words.length;
  const word = pattern[p];
  if (word === '#') {
    for (let skip = w; skip <= words.length; skip++) if (matchWords(pattern, p + 1, words, skip)) return true;
    return false;
  }
  if (w === words.length) return false;
  return (word === '*' || word === words[w]) && matchWords(pattern, p + 1, words, w + 1);
}
