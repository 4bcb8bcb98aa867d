/**
 * What nir-sim's own WSDL says about each XCA / XCA-I endpoint (served at `<endpoint>?wsdl` by
 * soap/server.ts, written by soap/wsdl.ts). Names follow IHE's WSDLs (ITI TF-2 3.38.5, 3.39.5;
 * RAD TF-3 4.75): the operations CrossGatewayQuery, CrossGatewayRetrieve and
 * CrossGatewayRetrieveImagingDocumentSet with their IHE wsa:Action values and body elements.
 */
import type { WsdlOperation } from '../soap/wsdl.js';
import { SoapAction, Transaction, XcaNs } from './constants.js';

/** wsdl:definitions/@targetNamespace of nir-sim's WSDLs (its own, not IHE's). */
const NIR_SIM_WSDL_NS = 'urn:nir-sim:wsdl:xca';

const NOTE =
  ' Body elements are declared open (any content, processed laxly) so that no other file is needed;' +
  ' their content is defined by the IHE schemas (ebRS 3.0 query.xsd/rs.xsd/rim.xsd, XDS.b_DocumentRepository.xsd, XDS-I.b).' +
  ' Every request needs wsa:Action, wsa:MessageID and an anonymous (or absent) wsa:ReplyTo/wsa:FaultTo.';

/** The WSDL operation of each transaction's endpoint. */
export const XCA_WSDL: Readonly<Record<Transaction, WsdlOperation>> = {
  [Transaction.Iti38]: {
    serviceName: 'RespondingGatewayQuery',
    targetNamespace: NIR_SIM_WSDL_NS,
    operation: 'CrossGatewayQuery',
    inputAction: SoapAction.CrossGatewayQuery,
    outputAction: SoapAction.CrossGatewayQueryResponse,
    inputElement: { ns: XcaNs.query, local: 'AdhocQueryRequest' },
    outputElement: { ns: XcaNs.query, local: 'AdhocQueryResponse' },
    mtom: false,
    documentation: 'nir-sim XCA Cross Gateway Query [ITI-38] (ITI TF-2 3.38), SOAP 1.2.' + NOTE,
  },
  [Transaction.Iti39]: {
    serviceName: 'RespondingGatewayRetrieve',
    targetNamespace: NIR_SIM_WSDL_NS,
    operation: 'CrossGatewayRetrieve',
    inputAction: SoapAction.CrossGatewayRetrieve,
    outputAction: SoapAction.CrossGatewayRetrieveResponse,
    inputElement: { ns: XcaNs.xdsb, local: 'RetrieveDocumentSetRequest' },
    outputElement: { ns: XcaNs.xdsb, local: 'RetrieveDocumentSetResponse' },
    mtom: true,
    documentation:
      'nir-sim XCA Cross Gateway Retrieve [ITI-39] (ITI TF-2 3.39), SOAP 1.2, MTOM/XOP responses (ITI TF-2 Appendix V).' +
      NOTE,
  },
  [Transaction.Rad75]: {
    serviceName: 'RespondingGatewayRetrieveImaging',
    targetNamespace: NIR_SIM_WSDL_NS,
    operation: 'CrossGatewayRetrieveImagingDocumentSet',
    inputAction: SoapAction.CrossGatewayRetrieveImagingDocumentSet,
    outputAction: SoapAction.CrossGatewayRetrieveImagingDocumentSetResponse,
    inputElement: { ns: XcaNs.xdsi, local: 'RetrieveImagingDocumentSetRequest' },
    outputElement: { ns: XcaNs.xdsb, local: 'RetrieveDocumentSetResponse' },
    mtom: true,
    documentation:
      'nir-sim XCA-I Cross Gateway Retrieve Imaging Document Set [RAD-75] (RAD TF-3 4.75), SOAP 1.2, MTOM/XOP responses.' +
      NOTE,
  },
};
