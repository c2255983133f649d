// SPDX-License-Identifier: Apache-2.0
// The organization's members (every role reads them), for assignee names and pickers. Loaded once
// per page; all pages of `GET /orgs/members` are read (organizations have tens of members).
import { useEffect, useState } from 'react';
import { orgs } from '../api/endpoints';
import type { Member } from '../api/types';

export interface Members {
  list: Member[];
  /** The member's name (or email); an unknown id is shown shortened. */
  nameOf: (userId: string | null | undefined) => string;
}

export function useMembers(): Members {
  const [list, setList] = useState<Member[]>([]);
  useEffect(() => {
    let cancelled = false;
    (async () => {
      const all: Member[] = [];
      let cursor: string | null = null;
      for (let i = 0; i < 20; i += 1) {
        const page = await orgs.members(cursor);
        all.push(...page.data);
        cursor = page.next_cursor;
        if (!cursor) break;
      }
      if (!cancelled) setList(all);
    })().catch(() => undefined);
    return () => {
      cancelled = true;
    };
  }, []);
  return {
    list,
    nameOf: (userId) => {
      if (!userId) return 'Unassigned';
      const member = list.find((m) => m.user_id === userId);
      return member ? member.name || member.email : userId.length > 14 ? `${userId.slice(0, 12)}…` : userId;
    },
  };
}
