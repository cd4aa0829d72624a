/** One ACL entry of a `permissions[].acls` list, as the agent's AceInfo reads it. */
export interface Ace {
  isDefault: boolean;
  type: 'user' | 'group' | 'mask' | 'other';
  name: string;
  perms: string;
}

export type AceReading =
  | { ace: Ace }
  | { problem: 'invalid' }
  /** A non-default user/group entry with no name: the base entries come from `mode`. */
  | { problem: 'base-entry' }
  | { problem: 'bad-perm-char'; char: string };

/**
 * `[d[efault]:][u[ser]|g[roup]|m[ask]|o[ther]]:[name]:perms`, perms one octal digit or a run of
 * r/w/x/-; the two-part form `name:perms` is a user entry. The validator turns problems into the
 * agent's messages; the instance-script builder refuses them.
 */
export function readAce(text: string): AceReading {
  const parts = text.split(':').reverse();
  if (parts.length < 2 || parts.length > 4) return { problem: 'invalid' };
  const [perms = '', namePart = '', typePart, defaultPart] = parts;
  let isDefault = false;
  let type: Ace['type'] | undefined;
  let name = '';
  if (defaultPart !== undefined) {
    if (defaultPart !== 'd' && defaultPart !== 'default') return { problem: 'invalid' };
    isDefault = true;
  }
  if (typePart !== undefined) {
    if (typePart === 'd' || typePart === 'default') {
      if (isDefault) return { problem: 'invalid' };
      isDefault = true;
    } else if (typePart === 'm' || typePart === 'mask') type = 'mask';
    else if (typePart === 'o' || typePart === 'other') type = 'other';
    else if (typePart === 'g' || typePart === 'group') type = 'group';
    else if (typePart === 'u' || typePart === 'user') type = 'user';
    else return { problem: 'invalid' };
  }
  if (namePart === 'm' || namePart === 'mask') {
    if (type === undefined) type = 'mask';
    else name = 'mask';
  } else if (namePart === 'o' || namePart === 'other') {
    if (type === undefined) type = 'other';
    else name = 'other';
  } else {
    type ??= 'user';
    name = namePart;
  }
  if ((type === 'mask' || type === 'other') && name !== '') return { problem: 'invalid' };
  if (!isDefault && type !== 'mask' && name === '') return { problem: 'base-entry' };
  if (!/^[0-7]$/.test(perms)) {
    const bad = [...perms].find((char) => !'rwx-'.includes(char));
    if (bad !== undefined) return { problem: 'bad-perm-char', char: bad };
  }
  return { ace: { isDefault, type, name, perms } };
}
