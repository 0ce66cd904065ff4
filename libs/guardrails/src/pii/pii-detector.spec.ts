import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { ibanChecksumValid, luhnValid } from './checksums.js';
import { detectPii, redactPii } from './pii-detector.js';
import type { PiiType } from './pii-types.js';

/** The values of one type found in a text. */
function found(text: string, type: PiiType): string[] {
  return detectPii(text)
    .filter((f) => f.type === type)
    .map((f) => text.slice(f.start, f.end));
}

function assertNone(texts: readonly string[]): void {
  for (const text of texts) assert.deepEqual(detectPii(text), [], `false positive in: ${text}`);
}

/** Deterministic pseudo-random digit runs of 13 to 19 digits (SHA-256 of a counter). */
function digitRun(n: number): string {
  const hash = createHash('sha256').update(String(n)).digest();
  const length = 13 + (hash[0]! % 7);
  return Array.from(hash.subarray(1, 1 + length), (byte) => String(byte % 10)).join('');
}

void describe('detectPii', () => {
  void it('finds email addresses, not handles or local names', () => {
    assert.deepEqual(found('Write to jane.doe+travel@example.co.uk or OPS@corp-mail.example.com.', 'email'), [
      'jane.doe+travel@example.co.uk',
      'OPS@corp-mail.example.com',
    ]);
    assertNone(['ping @jane on chat', 'user@localhost has no domain', 'a decorator @Injectable()']);
  });

  void it('finds phone numbers in international and national formats', () => {
    const phones = [
      '+44 20 7946 0958',
      '+1 (555) 123-4567',
      '+49 30 1234567',
      '+33 1 23 45 67 89',
      '0044 20 7946 0958',
      '+447946095800',
      '020 7946 0958',
      '(030) 1234567',
      '555-123-4567',
      '555.123.4567',
      '06 12 34 56 78',
    ];
    for (const phone of phones)
      assert.deepEqual(found(`Call me at ${phone}, thanks.`, 'phone'), [phone], phone);
  });

  void it('does not take order numbers, ISBNs, versions, dates, UUIDs or plain numbers for phones', () => {
    assertNone([
      'Order 0123-456-789 has shipped.',
      'ISBN 978-3-16-148410-0',
      'ISBN-10: 0-306-40615-2',
      'Upgrade to 10.0.19041.1288 or 1.2.3.',
      'Due 2026-11-25, or 25.11.2026, or 11/25/2026.',
      'id 123e4567-e89b-12d3-a456-426614174000',
      'The population is 1 234 567 890 people.',
      'timestamp 1732531200000 ms',
      'p < 0.001 with n = 1,234 and 95% CI 0.12-0.45',
      'DOI 10.1000/182 and PMID 12345678',
    ]);
  });

  void it('finds card numbers with a valid Luhn checksum and issuer prefix, however grouped', () => {
    const cards = [
      '4111 1111 1111 1111',
      '4242424242424242',
      '5555-5555-5555-4444',
      '378282246310005',
      '6011111111111117',
    ];
    for (const card of cards) assert.deepEqual(found(`card: ${card}.`, 'card_number'), [card], card);
    assert.deepEqual(found('card 4111 1111 1111 1112', 'card_number'), []);
  });

  void it('takes no random digit run that fails Luhn for a card', () => {
    let checked = 0;
    for (let n = 0; checked < 2000; n++) {
      const digits = digitRun(n);
      if (luhnValid(digits)) continue;
      checked++;
      assert.deepEqual(found(`number ${digits} here`, 'card_number'), [], digits);
    }
  });

  void it('finds IBANs with a valid mod-97 checksum and the country length', () => {
    const ibans = [
      'DE89 3704 0044 0532 0130 00',
      'GB82WEST12345698765432',
      'FR14 2004 1010 0505 0001 3M02 606',
      'NL91ABNA0417164300',
    ];
    for (const iban of ibans) assert.deepEqual(found(`Pay to ${iban} please`, 'iban'), [iban], iban);
    assert.equal(ibanChecksumValid('DE89370400440532013001'), false);
    assertNone([
      'Pay to DE89 3704 0044 0532 0130 01 please',
      'Model DE12 is in stock',
      'GB82WEST1234569876543 (one short)',
    ]);
  });

  void it('finds IPv4 and IPv6 addresses but not versions, times or OIDs', () => {
    assert.deepEqual(
      found('hosts 192.168.1.10 and 10.0.0.0/8, gateway 2001:db8::8a2e:370:7334.', 'ip_address'),
      ['192.168.1.10', '10.0.0.0/8', '2001:db8::8a2e:370:7334'],
    );
    assert.deepEqual(found('link-local fe80::1ff:fe23:4567:890a', 'ip_address'), [
      'fe80::1ff:fe23:4567:890a',
    ]);
    assertNone([
      'version 1.2.3.4',
      'release v1.2.3.4',
      'value 999.1.1.1',
      'at 12:30:45',
      'std::vector<int>',
      'OID 1.3.6.1.4.1',
    ]);
  });

  void it('finds API keys, tokens, private keys and assigned secrets', () => {
    const ghp = `ghp_${'A1b2C3d4E5'.repeat(4)}`;
    const pem = '-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA7\nabc\n-----END RSA PRIVATE KEY-----';
    const jwt =
      'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U';
    const text = [
      'openai sk-proj-abcdefghijklmnopqrstuvwxyz123456',
      'aws AKIAIOSFODNN7EXAMPLE',
      `github ${ghp}`,
      'slack xoxb-123456789012-abcdefghijkl',
      'Authorization: Bearer abcdef1234567890abcdef',
      `token ${jwt}`,
      pem,
      'password=hunter2hunter2',
      'key q8Zt3LmN0pXv7RkW2yBs9HdF4jGc6TaE',
    ].join('\n');
    const types = detectPii(text).map((f) => [f.type, text.slice(f.start, f.end)]);
    assert.deepEqual(types, [
      ['api_key', 'sk-proj-abcdefghijklmnopqrstuvwxyz123456'],
      ['api_key', 'AKIAIOSFODNN7EXAMPLE'],
      ['api_key', ghp],
      ['api_key', 'xoxb-123456789012-abcdefghijkl'],
      ['bearer_token', 'abcdef1234567890abcdef'],
      ['bearer_token', jwt],
      ['private_key', pem],
      ['secret', 'hunter2hunter2'],
      ['secret', 'q8Zt3LmN0pXv7RkW2yBs9HdF4jGc6TaE'],
    ]);
  });

  void it('leaves hashes, UUIDs, slugs, masks and template variables alone', () => {
    assertNone([
      'commit 3cee2d7a1b9f0e4c5d6a7b8c9d0e1f2a3b4c5d6e',
      'sha256 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
      'uuid 123e4567-e89b-12d3-a456-426614174000',
      'see /blog/this-is-a-very-long-slug-for-a-post-about-2024-results',
      'password: ********',
      'api_key=${API_KEY}',
      'The quick brown fox jumps over the lazy dog 1234 times.',
    ]);
  });
});

void describe('redactPii', () => {
  void it('replaces findings with typed placeholders and reports offsets in both texts', () => {
    const text = 'Mail jane@example.com, card 4111 1111 1111 1111, from 10.1.2.3.';
    const { text: redacted, redactions } = redactPii(text);
    assert.equal(redacted, 'Mail [EMAIL], card [CARD_NUMBER], from [IP_ADDRESS].');
    assert.deepEqual(
      redactions.map((r) => [
        r.type,
        text.slice(r.start, r.end),
        redacted.slice(r.redactedStart, r.redactedEnd),
      ]),
      [
        ['email', 'jane@example.com', '[EMAIL]'],
        ['card_number', '4111 1111 1111 1111', '[CARD_NUMBER]'],
        ['ip_address', '10.1.2.3', '[IP_ADDRESS]'],
      ],
    );
  });

  void it('redacts only the types asked for, and leaves clean text as it is', () => {
    const text = 'jane@example.com from 10.1.2.3';
    assert.equal(redactPii(text, { types: ['email'] }).text, '[EMAIL] from 10.1.2.3');
    assert.deepEqual(redactPii('nothing to see'), { text: 'nothing to see', redactions: [] });
  });
});
