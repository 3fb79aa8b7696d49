import { Body, Controller, Delete, HttpCode, Put, UseGuards } from '@nestjs/common';
import { z } from 'zod';
import type { Access } from '@textback/auth';
import { E164 } from '@textback/contracts';
import { AccessGuard, CurrentAccess, ZodPipe } from '@textback/service-kit';
import { userOf } from '../sign-in/sign-in.controller';
import { StaffLinks } from './staff-links.service';

const Phone = z.strictObject({
  phone: E164,
  textConsent: z.literal(true, { error: 'must be true: you agree to get sign-in texts' }),
});

/**
 * A person's own phone for sign-in texts (invitation and reset links, from the platform's own
 * number): set with their consent, or removed (which withdraws it).
 */
@Controller('v1/auth/phone')
@UseGuards(AccessGuard)
export class PhoneController {
  constructor(private readonly links: StaffLinks) {}

  @Put()
  @HttpCode(204)
  async set(
    @CurrentAccess() access: Access,
    @Body(new ZodPipe(Phone)) body: z.infer<typeof Phone>,
  ): Promise<void> {
    await this.links.setPhone(userOf(access), body.phone, 'self');
  }

  @Delete()
  @HttpCode(204)
  async remove(@CurrentAccess() access: Access): Promise<void> {
    await this.links.setPhone(userOf(access), null, null);
  }
}
