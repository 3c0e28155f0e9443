// The `style` stage of the text pipeline: exports `demo:text/style`.
//
// componentize-js maps the interface to an exported object named after it. The enum
// `letter-case` arrives as its case name ('upper', 'lower', 'title'); returning gives
// `ok`, throwing a string gives `err`.

function titleCase(word) {
  return word.charAt(0).toUpperCase() + word.slice(1).toLowerCase();
}

export const style = {
  apply(words, letterCase) {
    if (words.length === 0) {
      throw 'no words to style';
    }
    switch (letterCase) {
      case 'upper':
        return words.join(' ').toUpperCase();
      case 'lower':
        return words.join(' ').toLowerCase();
      case 'title':
        return words.map(titleCase).join(' ');
      default:
        throw `unknown letter case ${letterCase}`;
    }
  },
};
