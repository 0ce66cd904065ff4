import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { csvRecords, parseCsv } from './csv.js';

void describe('parseCsv', () => {
  void it('reads quoted fields with commas, doubled quotes and line breaks', () => {
    assert.deepEqual(parseCsv('a,b\r\n"x, y","say ""hi""\nthere"\n'), [
      ['a', 'b'],
      ['x, y', 'say "hi"\nthere'],
    ]);
    assert.deepEqual(csvRecords('id,text\n1,"one, two"\n\n2,three'), [
      { id: '1', text: 'one, two' },
      { id: '2', text: 'three' },
    ]);
    assert.throws(() => parseCsv('"open'), /inside a quoted field/);
  });
});
