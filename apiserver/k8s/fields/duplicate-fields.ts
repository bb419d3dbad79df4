// Duplicate fields in a JSON body. JSON.parse keeps the last of two equal keys silently; kube-apiserver's strict
// decoder reports each one (fieldValidation=Strict refuses the body, Warn warns). A small scanner over the text,
// after JSON.parse has accepted it: strings, numbers and literals are skipped, objects record their keys.

/** The paths (`spec.syncingMode`) of every key that appears twice in the same object of `text` (valid JSON). */
export function duplicateFields(text: string): string[] {
  const found: string[] = [];
  let i = 0;
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
  };
  const str = (): string => {
    const start = i;
    i++;
    while (text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    i++;
    return JSON.parse(text.slice(start, i)) as string;
  };
  const value = (path: string): void => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      const seen = new Set<string>();
      ws();
      if (text[i] === '}') { i++; return; }
      for (;;) {
        ws();
        const key = str();
        const child = path ? `${path}.${key}` : key;
        if (seen.has(key)) found.push(child);
        seen.add(key);
        ws();
        i++; // ':'
        value(child);
        ws();
        if (text[i++] === '}') return;
      }
    }
    if (c === '[') {
      i++;
      ws();
      if (text[i] === ']') { i++; return; }
      for (;;) {
        value(path);
        ws();
        if (text[i++] === ']') return;
      }
    }
    if (c === '"') { str(); return; }
    while (i < text.length && !',}] \t\n\r'.includes(text[i]!)) i++;
  };
  value('');
  return found;
}
