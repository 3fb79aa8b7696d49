import { z } from 'zod';
import { col, type Sql, type SystemScope } from '@textback/persistence';

/** Who texts the platform's number: a team member's phone (of any brand) is staff. */
export const staffPhonesRepository = {
  async isStaffPhone(sql: Sql, _scope: SystemScope, phone: string): Promise<boolean> {
    const row = await sql.selectFirst(
      z.object({ staff: col.bool }),
      'SELECT EXISTS (SELECT 1 FROM team_member WHERE text_phone = $1 AND NOT removed) AS staff',
      [phone],
    );
    return row?.staff === true;
  },
};
