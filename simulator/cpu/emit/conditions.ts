// Condition codes (jcc, setcc, cmovcc) as JS expressions over the flag slots.

import { ConditionCode } from 'iced-x86';
import { UnsupportedOperand } from '../decode';

export function conditionExpr(cc: ConditionCode): string {
  switch (cc) {
    case ConditionCode.o: return '(F[5]!==0)';
    case ConditionCode.no: return '(F[5]===0)';
    case ConditionCode.b: return '(F[0]!==0)';
    case ConditionCode.ae: return '(F[0]===0)';
    case ConditionCode.e: return '(F[3]!==0)';
    case ConditionCode.ne: return '(F[3]===0)';
    case ConditionCode.be: return '((F[0]|F[3])!==0)';
    case ConditionCode.a: return '((F[0]|F[3])===0)';
    case ConditionCode.s: return '(F[4]!==0)';
    case ConditionCode.ns: return '(F[4]===0)';
    case ConditionCode.p: return '(P[F[1]&255]!==0)';
    case ConditionCode.np: return '(P[F[1]&255]===0)';
    case ConditionCode.l: return '(F[4]!==F[5])';
    case ConditionCode.ge: return '(F[4]===F[5])';
    case ConditionCode.le: return '(F[3]!==0||F[4]!==F[5])';
    case ConditionCode.g: return '(F[3]===0&&F[4]===F[5])';
    default: throw new UnsupportedOperand(`no condition code ${cc}`);
  }
}
