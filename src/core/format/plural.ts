// Counted nouns in messages: "1 point", "2 points", "1 file", "0 files".

/** `count` and the noun, singular for exactly 1 (the plural defaults to noun + "s"). */
export function plural(count: number, noun: string, pluralNoun = `${noun}s`): string {
  return `${count} ${count === 1 ? noun : pluralNoun}`
}
