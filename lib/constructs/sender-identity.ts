import * as ses from 'aws-cdk-lib/aws-ses';
import { Construct } from 'constructs';

export interface SenderIdentityProps {
  /** Address license emails come from; AWS emails it a verification link after deployment. */
  readonly senderEmail: string;
}

/** The SES identity license emails are sent from. */
export class SenderIdentity extends Construct {
  readonly senderEmail: string;
  readonly emailIdentity: ses.EmailIdentity;

  constructor(scope: Construct, id: string, props: SenderIdentityProps) {
    super(scope, id);

    this.senderEmail = props.senderEmail;
    this.emailIdentity = new ses.EmailIdentity(this, 'Resource', {
      identity: ses.Identity.email(props.senderEmail),
    });
  }
}
