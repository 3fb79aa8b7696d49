import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** An event written in the same transaction as the state change it announces. */
@Entity({ name: 'outbox_message' })
@Index('outbox_message_unpublished', ['seq'], { where: 'published_at IS NULL' })
export class OutboxMessageEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  seq!: string;

  @Column({ type: 'uuid', name: 'event_id', unique: true })
  eventId!: string;

  @Column({ type: 'text' })
  topic!: string;

  @Column({ type: 'text', name: 'message_key' })
  key!: string;

  @Column({ type: 'jsonb' })
  payload!: unknown;

  @Column({ type: 'text', name: 'causation_id', nullable: true })
  causationId!: string | null;

  @Column({ type: 'text', nullable: true })
  traceparent!: string | null;

  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' })
  createdAt!: Date;

  @Column({ type: 'timestamptz', name: 'published_at', nullable: true })
  publishedAt!: Date | null;
}
